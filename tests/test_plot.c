/* report/nt_plot: PNG/PDF plots of effect paths. */
#include "tests/nt_test.h"

#include <cairo.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "report/nt_plot.h"

/* Texts a plot draws (nt_plot_opts on_text). */
typedef struct {
    int n, n_note;
    char last_path[4200];
} texts;

static void collect(void *ctx, const char *png_path, const char *text)
{
    texts *t = ctx;
    t->n++;
    if (!strncmp(text, "break-even: month ", 18)) t->n_note++;
    snprintf(t->last_path, sizeof t->last_path, "%s", png_path);
}

/* A lock-in path of 48 months: dip to -6 pp, recovery to +4 pp. */
static void lockin_path(double *est, double *lo, double *hi, int n)
{
    for (int t = 0; t < n; t++) {
        est[t] = -0.06 * exp(-t / 5.0) + 0.04 * (1 - exp(-t / 12.0));
        double se = 0.008 + 0.0004 * t;
        lo[t] = est[t] - 1.96 * se;
        hi[t] = est[t] + 1.96 * se;
    }
}

static int is_estimate_blue(uint32_t px)
{
    int r = (px >> 16) & 255, b = px & 255;
    /* the line colour (23, 74, 148) and its anti-aliased edges */
    return b > 100 && b - r > 60 && r < 120;
}

static int is_band(uint32_t px)
{
    int r = (px >> 16) & 255, b = px & 255;
    return b - r > 20; /* any blue tint: the band or the line */
}

static int no_tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int ok = 1;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp-")) ok = 0;
    closedir(d);
    return ok;
}

static void test_png_written(void **state)
{
    (void)state;
    const char *dir = nt_test_dir("plot_png");
    char png[4200], pdf[4200], png2[4200];
    nt_path_join(png, sizeof png, dir, "effect_employed.png");
    nt_path_join(pdf, sizeof pdf, dir, "effect_employed.pdf");
    nt_path_join(png2, sizeof png2, dir, "again.png");
    enum { N = 48 };
    double est[N], lo[N], hi[N];
    lockin_path(est, lo, hi, N);
    const char *ylab = "Effect on the employment rate (percentage points)";
    double scale = 100;
    nt_plot_opts o = {.title = "ww2003: scholing, education=low",
                      .subtitle = "ATT, radius matching, 200 bootstrap replicates",
                      .caption = "netto 0.1.0; shaded: 95% bootstrap percentile interval", .y_label = ylab,
                      .y_scale = scale, .ci_level = 0.95};
    nt_error err;
    assert_int_equal(nt_plot_effect(png, pdf, est, lo, hi, N, &o, &err), NT_OK);

    char *bytes = nt_test_slurp(png);
    assert_non_null(bytes);
    assert_memory_equal(bytes, "\x89PNG\r\n\x1a\n", 8);
    free(bytes);
    bytes = nt_test_slurp(pdf);
    assert_non_null(bytes);
    assert_memory_equal(bytes, "%PDF", 4);
    free(bytes);
    assert_true(no_tmp_files(dir));

    cairo_surface_t *img = cairo_image_surface_create_from_png(png);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(img), 1600);
    assert_int_equal(cairo_image_surface_get_height(img), 1000);
    cairo_surface_destroy(img);

    /* Deterministic: the same numbers give the same bytes. */
    assert_int_equal(nt_plot_effect(png2, NULL, est, lo, hi, N, &o, &err), NT_OK);
    FILE *a = fopen(png, "rb"), *b = fopen(png2, "rb");
    assert_non_null(a);
    assert_non_null(b);
    int same = 1, ca, cb;
    do {
        ca = fgetc(a);
        cb = fgetc(b);
        same &= ca == cb;
    } while (ca != EOF && cb != EOF);
    fclose(a);
    fclose(b);
    assert_true(same);

    /* Bad input: no months. */
    assert_int_equal(nt_plot_effect(png2, NULL, est, lo, hi, 0, &o, &err), NT_EUSAGE);
    /* An unwritable place: an I/O error, nothing left behind. */
    assert_int_equal(nt_plot_effect("/nonexistent/dir/x.png", NULL, est, lo, hi, N, &o, &err), NT_EIO);
}

/* Months 10..14 undefined: the line and the band must break there, not dip
   to zero. On the row the flat line is drawn on, find the gap; in the middle
   half of the gap no pixel of the plot area may carry the line's or the
   band's blue (a NaN drawn as 0 would cross it on the zero line). */
static void test_nan_gap(void **state)
{
    (void)state;
    const char *dir = nt_test_dir("plot_nan");
    char png[4200];
    nt_path_join(png, sizeof png, dir, "gap.png");
    enum { N = 30 };
    double est[N], lo[N], hi[N];
    for (int t = 0; t < N; t++) {
        int gap = t >= 10 && t <= 14;
        est[t] = gap ? NAN : 0.5;
        lo[t] = gap ? NAN : 0.4;
        hi[t] = gap ? NAN : 0.6;
    }
    nt_plot_opts o = {.title = "gap", .y_label = "effect", .y_scale = 1, .ci_level = 0.95};
    nt_error err;
    assert_int_equal(nt_plot_effect(png, NULL, est, lo, hi, N, &o, &err), NT_OK);
    cairo_surface_t *img = cairo_image_surface_create_from_png(png);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    cairo_surface_flush(img);
    const unsigned char *data = cairo_image_surface_get_data(img);
#define PX(x, y) (*(const uint32_t *)(data + (size_t)(y) * (size_t)stride + 4 * (size_t)(x)))
    const int top = 160; /* below the title and legend (78 logical units at 2x) */
    int best_row = -1, best = 0;
    for (int y = top; y < h; y++) {
        int c = 0;
        for (int x = 0; x < w; x++) c += is_estimate_blue(PX(x, y));
        if (c > best) { best = c; best_row = y; }
    }
    assert_true(best > 500); /* the flat line, drawn over most of the width */
    int first = -1, last = -1, gap_a = -1, gap_b = -1, prev = -1;
    for (int x = 0; x < w; x++) {
        if (!is_estimate_blue(PX(x, best_row))) continue;
        if (first < 0) first = x;
        if (prev >= 0 && x - prev > gap_b - gap_a) { gap_a = prev; gap_b = x; }
        prev = last = x;
    }
    /* The gap spans months 9..15: 6 of 29 month widths of the line's extent. */
    double want = (last - first) * 6.0 / 29.0;
    assert_true(gap_b - gap_a > 0.8 * want && gap_b - gap_a < 1.2 * want);
    int q = (gap_b - gap_a) / 4, blue = 0, any_dark = 0;
    for (int x = gap_a + q; x <= gap_b - q; x++)
        for (int y = top; y < h - 150; y++) { /* down to the x axis (y = 832) */
            blue += is_band(PX(x, y));
            any_dark += ((PX(x, y) >> 8) & 255) < 80; /* the zero line is there */
        }
    assert_int_equal(blue, 0);
    assert_true(any_dark > 0);
#undef PX
    cairo_surface_destroy(img);
}

static void test_cumulative(void **state)
{
    (void)state;
    const char *dir = nt_test_dir("plot_cum");
    char png[4200], pdf[4200];
    nt_path_join(png, sizeof png, dir, "cumulative_employed.png");
    nt_path_join(pdf, sizeof pdf, dir, "cumulative_employed.pdf");
    enum { N = 96 };
    double est[N], lo[N], hi[N], cum[N], clo[N], chi[N];
    lockin_path(est, lo, hi, N);
    double c = 0, cl = 0, ch = 0;
    int be = -1;
    for (int t = 0; t < N; t++) {
        c += est[t];
        cl += lo[t];
        ch += hi[t];
        cum[t] = c;
        clo[t] = cl;
        chi[t] = ch;
    }
    for (int t = N - 1; t >= 0 && cum[t] > 0; t--) be = t;
    assert_true(be > 0);
    const char *ylab = "Cumulative effect (months employed)";
    double scale = 1;
    nt_plot_opts o = {.title = "ww2003: scholing, whole cohort",
                      .subtitle = "ATT, cumulative over months since start",
                      .caption = "netto 0.1.0; shaded: 95% bootstrap percentile interval of C(t)", .y_label = ylab,
                      .y_scale = scale, .ci_level = 0.95};
    nt_error err;
    char note[64];
    snprintf(note, sizeof note, "break-even: month %d", be);
    texts seen = {0};
    o.on_text = collect;
    o.on_text_ctx = &seen;
    assert_int_equal(nt_plot_cumulative(png, pdf, cum, clo, chi, N, be, note, &o, &err), NT_OK);
    o.on_text = NULL;
    /* The hook sees what the PNG draws, once (not the PDF's copy). */
    assert_int_equal(seen.n_note, 1);
    assert_true(seen.n > 10);
    assert_non_null(strstr(seen.last_path, "cumulative_employed.png"));
    cairo_surface_t *img = cairo_image_surface_create_from_png(png);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(img), 1600);
    cairo_surface_destroy(img);
    /* No break-even: drawn with a note instead of a marker. */
    nt_path_join(png, sizeof png, dir, "cumulative_none.png");
    assert_int_equal(nt_plot_cumulative(png, NULL, cum, NULL, NULL, 12, NAN, "no break-even within 12 months", &o,
                                        &err), NT_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_written),
        cmocka_unit_test(test_nan_gap),
        cmocka_unit_test(test_cumulative),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    nt_plot_cleanup();
    return failed;
}
