/* truth_trait.csv (every scenario whose trait acts on something; all of
   today's; docs/simulation.md, docs/credibility.md): every person's
   unobserved trait theta, N(0, 1) (scenario unobserved: a two-point type,
   +1.2247 for 40%, -0.8165 for 60%: mean 0, SD 1, which also raises the
   monthly odds of a programme start by e^0.8 per SD), which raises the odds
   of finding work by e^0.6 per SD (and lowers job loss by e^-0.3 outside
   unobserved), and trait_high = 1{theta > 0} (in unobserved the type
   itself).
   The study never sees it; a test joins trait_high to persons.csv to
   measure the confounder's true strength in the terms of Ichino, Mealli &
   Nannicini (2008) ([credibility] confounder_like = trait_high). */
#include "datasets/nt_sim_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

nt_status nt_sim_trait_write(const model *M, uint64_t seed, long persons, int id_width, const char *path,
                             nt_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    person p;
    spell_buf b = {0};
    int bad = fprintf(fp, "person_id,trait,trait_high\n") < 0;
    for (long i = 0; i < persons && !bad; i++) {
        if (nt_sim_person_draw(M, seed, i, &p, &b)) { free(b.v); fclose(fp); return nt_fail(err, NT_ENOMEM, "out of memory"); }
        if (id_width > 0) bad = fprintf(fp, "%0*ld,%.6f,%d\n", id_width, i + 1, p.trait, p.trait > 0) < 0;
        else bad = fprintf(fp, "%ld,%.6f,%d\n", i + 1, p.trait, p.trait > 0) < 0;
    }
    free(b.v);
    bad |= fclose(fp) != 0;
    return bad ? nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno)) : NT_OK;
}
