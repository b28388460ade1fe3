#include "study/nt_process.h"

#include "report/nt_plot.h"

void nt_process_cleanup(void)
{
    nt_plot_cleanup();
}
