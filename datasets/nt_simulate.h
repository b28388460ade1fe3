/* Synthetic linked register data with known effects (`netto simulate`).

   Persons flow into WW or BIJSTAND in 2003-2004; their employment, benefit
   and programme spells are simulated month by month (calendar months) and
   written as the four data-contract files, with day-level dates chosen so
   that the contract's panel rules give back exactly the simulated months.
   Every participant is simulated a second time without the programme start
   in their start month (same random numbers, still eligible later), which
   gives truth.csv: the study's dynamic ATT with the true counterfactuals.
   The model and its parameters are in docs/simulation.md.

   Determinism: person i draws from RNG stream (seed, i) and a counter-based
   hash of (person key, month, purpose), so the output is byte-identical for
   any thread count. */
#ifndef NT_SIMULATE_H
#define NT_SIMULATE_H

#include <stdint.h>
#include "core/nt_error.h"

typedef enum { NT_SIM_DATE_ISO = 0, NT_SIM_DATE_CBS } nt_sim_date_format;   /* YYYY-MM-DD | YYYYMMDD */
typedef enum { NT_SIM_CODES_ENGLISH = 0, NT_SIM_CODES_DUTCH, NT_SIM_CODES_NUMERIC } nt_sim_codes;

typedef struct {
    long persons;                 /* >= 1 */
    uint64_t seed;
    char scenario[32];            /* see nt_simulate_scenario_known */
    char delimiter;               /* ',' ';' or '\t' */
    int crlf;                     /* 1: CRLF line ends */
    int bom;                      /* 1: UTF-8 BOM before each CSV header */
    nt_sim_date_format date_format;
    nt_sim_codes codes;           /* sex, education, migration codes */
    int id_width;                 /* 0: ids 1, 2, ...; else zero-padded to this width (<= 32) */
    int threads;                  /* 0: OpenMP's default */
} nt_simulate_opts;

/* Defaults: 10000 persons, seed 1, scenario "default", ',', LF, no BOM, ISO
   dates, English codes, plain ids, default threads. */
void nt_simulate_opts_init(nt_simulate_opts *o);
/* 1 if name is a scenario: default, null, unobserved, homogeneous. */
int nt_simulate_scenario_known(const char *name);
/* The scenario names, comma-separated, for messages. */
const char *nt_simulate_scenario_list(void);

/* The study the truth is about (also written to study.ini). */
#define NT_SIM_PROGRAMS 4          /* bemiddeling, scholing, workfirst, loonkostensubsidie */
#define NT_SIM_START_MONTHS 24     /* start months 0..23 since inflow */
#define NT_SIM_HORIZON 96          /* months since programme start */
#define NT_SIM_PANEL_MONTHS (NT_SIM_HORIZON + NT_SIM_START_MONTHS - 1)  /* months since inflow, 0..118 */
/* Programme names by code 1..4 (0 = none, 5 = "any"). */
const char *nt_simulate_program_name(int code);

typedef struct {
    long persons, benefits, programs, jobs;   /* records written */
    long participants;                        /* treated in start months 0..23 */
    long deaths, emigrations;
} nt_simulate_summary;

/* Writes persons.csv, benefits.csv, programs.csv, jobs.csv, truth.csv,
   study.ini and README.md into dir, which must not exist or be empty. All
   files are written into a temporary sibling folder that is renamed to dir
   when complete. sum may be NULL. */
nt_status nt_simulate_write(const nt_simulate_opts *o, const char *dir,
                            nt_simulate_summary *sum, nt_error *err);

#endif
