/* The bootstrap's checkpoint (docs/results.md, "Resuming"): every finished
   replicate is appended to private/bootstrap.ckpt, so `netto run --resume`
   continues an interrupted bootstrap from the replicates it finished. A
   replicate depends only on the seed and its number (nt_rng streams), so the
   resumed result has the same bytes as an uninterrupted run.

   File: one text line naming what the replicates belong to (the SHA-256 of
   the study file and of every data input, the seed, B, the numbers of
   (programme, group) pairs, outcomes, months and analysed persons), then
   records of: int32 replicate b; per (programme, group): uint8 failed, the
   ATT path (outcomes x months doubles) and the ATT_fixed path. A record cut
   short by a kill is dropped. The file is removed when the run completes. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/nt_file.h"
#include "study/nt_run_parts.h"

#define CKPT_NAME "bootstrap.ckpt"

static nt_status header(const nt_run_state *P, char *buf, size_t size, nt_error *err)
{
    const nt_study *st = P->st;
    const char *paths[5] = {st->path, st->store_path, st->persons_path, st->benefits_path, st->programs_path};
    const char *jobs = st->jobs_path;
    size_t o = (size_t)snprintf(buf, size, "NETTO-BOOTSTRAP 1 seed=%llu B=%d pg=%d outcomes=%d H=%d N=%ld",
                                (unsigned long long)st->seed, st->bootstrap, P->n_prog * P->n_groups,
                                P->view.n_outcomes, st->horizon, P->n_included);
    for (int i = 0; i < 6 && o < size; i++) {
        const char *p = i < 5 ? paths[i] : jobs;
        char hex[65];
        if (!p) continue;
        nt_status s = nt_file_sha256(p, hex, err);
        if (s) return s;
        o += (size_t)snprintf(buf + o, size - o, " %s", hex);
    }
    if (o + 2 >= size) return nt_fail(err, NT_EUSAGE, "checkpoint header too long");
    buf[o++] = '\n';
    buf[o] = 0;
    return NT_OK;
}

static size_t record_size(const nt_run_state *P)
{
    size_t path = (size_t)P->view.n_outcomes * (size_t)P->st->horizon * sizeof(double);
    return sizeof(int32_t) + (size_t)(P->n_prog * P->n_groups) * (1 + 2 * path);
}

nt_status nt_run_ckpt_open(nt_run_state *P, char *done, long *n_done, nt_error *err)
{
    char path[4400], head[1024];
    nt_path_join(path, sizeof path, P->priv, CKPT_NAME);
    *n_done = 0;
    nt_status s = header(P, head, sizeof head, err);
    if (s) return s;
    const int B = P->st->bootstrap, npg = P->n_prog * P->n_groups, NO = P->view.n_outcomes, H = P->st->horizon;
    const size_t rs = record_size(P), ph = (size_t)NO * (size_t)H;
    FILE *fp = P->o->resume ? fopen(path, "r+b") : NULL;
    if (fp) {
        char have[1024] = "";
        if (!fgets(have, sizeof have, fp) || strcmp(have, head)) {
            fclose(fp);
            return nt_fail_at(err, NT_EINPUT, path, 0, NULL, "the bootstrap checkpoint belongs to another study, seed or "
                              "data: run without --resume");
        }
        unsigned char *rec = malloc(rs);
        if (!rec) { fclose(fp); return nt_fail(err, NT_ENOMEM, "out of memory"); }
        long good = (long)strlen(head);
        while (fread(rec, 1, rs, fp) == rs) {
            int32_t b;
            memcpy(&b, rec, sizeof b);
            if (b < 0 || b >= B || done[b]) break;
            const unsigned char *q = rec + sizeof b;
            for (int pg = 0; pg < npg; pg++) {
                P->rep_failed[pg] += q[0] != 0;
                q++;
                for (size_t k = 0; k < ph; k++) {   /* [oc][tau] -> slot (oc * B + b) * H + tau */
                    size_t slot = (k / (size_t)H * (size_t)B + (size_t)b) * (size_t)H + k % (size_t)H;
                    memcpy(&P->reps[pg][slot], q + k * sizeof(double), sizeof(double));
                    memcpy(&P->reps_fixed[pg][slot], q + (ph + k) * sizeof(double), sizeof(double));
                }
                q += 2 * ph * sizeof(double);
            }
            done[b] = 1;
            (*n_done)++;
            good += (long)rs;
        }
        free(rec);
        if (fflush(fp) != 0 || ftruncate(fileno(fp), good) != 0 || fseek(fp, good, SEEK_SET) != 0) {
            fclose(fp);
            return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot continue the checkpoint: %s", strerror(errno));
        }
    } else {
        fp = fopen(path, "wb");
        if (!fp || fputs(head, fp) < 0 || fflush(fp) != 0) {
            if (fp) fclose(fp);
            return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot write the bootstrap checkpoint: %s", strerror(errno));
        }
    }
    P->ckpt = fp;
    return NT_OK;
}

void nt_run_ckpt_add(nt_run_state *P, int b, const uint8_t *failed)
{
    if (!P->ckpt) return;
    const int B = P->st->bootstrap, npg = P->n_prog * P->n_groups, H = P->st->horizon;
    const size_t ph = (size_t)P->view.n_outcomes * (size_t)H, rs = record_size(P);
    unsigned char *rec = malloc(rs);
    if (!rec) return;   /* a replicate not checkpointed is only done again */
    int32_t b32 = b;
    memcpy(rec, &b32, sizeof b32);
    unsigned char *q = rec + sizeof b32;
    for (int pg = 0; pg < npg; pg++) {
        *q++ = failed[pg];
        for (size_t k = 0; k < ph; k++) {
            size_t slot = (k / (size_t)H * (size_t)B + (size_t)b) * (size_t)H + k % (size_t)H;
            memcpy(q + k * sizeof(double), &P->reps[pg][slot], sizeof(double));
            memcpy(q + (ph + k) * sizeof(double), &P->reps_fixed[pg][slot], sizeof(double));
        }
        q += 2 * ph * sizeof(double);
    }
    if (fwrite(rec, 1, rs, P->ckpt) != rs || fflush(P->ckpt) != 0) {
        fclose(P->ckpt);   /* stop checkpointing; the run itself goes on */
        P->ckpt = NULL;
    }
    free(rec);
}

void nt_run_ckpt_close(nt_run_state *P, int complete)
{
    if (P->ckpt) fclose(P->ckpt);
    P->ckpt = NULL;
    if (complete && P->priv[0]) {
        char path[4400];
        nt_path_join(path, sizeof path, P->priv, CKPT_NAME);
        unlink(path);
    }
}
