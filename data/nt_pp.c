/* Person-period rows: freeing them (rows come from nt_pp_read_flat, see
   nt_pp.h). */
#include "data/nt_pp.h"

#include <stdlib.h>

void nt_pp_free(nt_pp *pp)
{
    if (!pp) return;
    free(pp->person); free(pp->period); free(pp->y); free(pp->treat); free(pp->x);
    free(pp);
}
