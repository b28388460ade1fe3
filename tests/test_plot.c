/* report/nt_plot: figures of effect paths as PNG, PDF and SVG. */
#include "tests/nt_test.h"

#include <cairo.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "report/nt_plot.h"
#include "report/nt_report_priv.h"

/* Texts a plot draws (the canvas' on_text). */
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


/* A figure of one paths panel over the whole canvas. */
static void draw_panel(nt_plot_canvas *cv, double w, double h, const void *fig)
{
    nt_plot_draw_paths(cv, 0, 0, w, h, fig);
}

enum { FW = 400, FH = 250 }; /* points: 1000 x 625 pixels */

static void test_png_written(void **state)
{
    (void)state;
    const char *dir = nt_test_dir("plot_png");
    char png[4200], pdf[4200], png2[4200];
    nt_path_join(png, sizeof png, dir, "effects.png");
    nt_path_join(pdf, sizeof pdf, dir, "effects.pdf");
    nt_path_join(png2, sizeof png2, dir, "again.png");
    enum { N = 48 };
    double est[N], lo[N], hi[N], blo[N], bhi[N];
    lockin_path(est, lo, hi, N);
    for (int t = 0; t < N; t++) {
        blo[t] = est[t] - 1.5 * (est[t] - lo[t]);
        bhi[t] = est[t] + 1.5 * (hi[t] - est[t]);
    }
    nt_plot_series s = {est, lo, hi, blo, bhi, {0.09, 0.29, 0.58}};
    nt_plot_paths p = {"Effect on the employment rate (percentage points)", "Months since programme start", NULL,
                       100, N, 1, &s, NAN, NULL};
    nt_error err;
    assert_int_equal(nt_plot_write_png(png, FW, FH, draw_panel, &p, NT_LANG_EN, NULL, NULL, &err), NT_OK);
    assert_int_equal(nt_plot_write_pdf(pdf, FW, FH, draw_panel, &p, NT_LANG_EN, &err), NT_OK);
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
    assert_int_equal(cairo_image_surface_get_width(img), 1000);
    assert_int_equal(cairo_image_surface_get_height(img), 625);
    cairo_surface_destroy(img);

    /* Deterministic: the same numbers give the same bytes. */
    assert_int_equal(nt_plot_write_png(png2, FW, FH, draw_panel, &p, NT_LANG_EN, NULL, NULL, &err), NT_OK);
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
    /* An unwritable place: an I/O error, nothing left behind. */
    assert_int_equal(nt_plot_write_png("/nonexistent/dir/x.png", FW, FH, draw_panel, &p, NT_LANG_EN, NULL, NULL, &err),
                     NT_EIO);
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
    nt_plot_series s = {est, lo, hi, NULL, NULL, {0.09, 0.29, 0.58}};
    nt_plot_paths p = {"gap", NULL, NULL, 1, N, 1, &s, NAN, NULL};
    nt_error err;
    assert_int_equal(nt_plot_write_png(png, FW, FH, draw_panel, &p, NT_LANG_EN, NULL, NULL, &err), NT_OK);
    cairo_surface_t *img = cairo_image_surface_create_from_png(png);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    int w = cairo_image_surface_get_width(img);
    int stride = cairo_image_surface_get_stride(img);
    cairo_surface_flush(img);
    const unsigned char *data = cairo_image_surface_get_data(img);
#define PX(x, y) (*(const uint32_t *)(data + (size_t)(y) * (size_t)stride + 4 * (size_t)(x)))
    const int top = 45, bottom = 553; /* the plot area: 16 to 220 points (zero line at 550) */
    int best_row = -1, best = 0;
    for (int y = top; y < bottom; y++) {
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
        for (int y = top; y < bottom; y++) {
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
    char png[4200];
    nt_path_join(png, sizeof png, dir, "cumulative_employed.png");
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
    char note[64];
    snprintf(note, sizeof note, "break-even: month %d", be);
    nt_plot_series s = {cum, clo, chi, NULL, NULL, {0.09, 0.29, 0.58}};
    nt_plot_paths p = {"Cumulative effect (months employed)", "Months since programme start", NULL, 1, N, 1, &s, be,
                       note};
    texts seen = {0};
    nt_error err;
    assert_int_equal(nt_plot_write_png(png, FW, FH, draw_panel, &p, NT_LANG_EN, collect, &seen, &err), NT_OK);
    /* The hook sees what the PNG draws, once. */
    assert_int_equal(seen.n_note, 1);
    assert_true(seen.n > 10);
    assert_non_null(strstr(seen.last_path, "cumulative_employed.png"));
    /* SVG: ids prefixed (several figures share one HTML page), no reference
       to anything outside it (text is drawn as glyph outlines). */
    char *svg = NULL;
    assert_int_equal(nt_plot_svg(FW, FH, draw_panel, &p, NT_LANG_NL, "f7-", &svg, &err), NT_OK);
    assert_non_null(strstr(svg, "<svg"));
    assert_non_null(strstr(svg, "id=\"f7-"));
    assert_null(strstr(svg, "id=\"glyph"));
    assert_null(strstr(svg, "<image"));
    assert_null(strstr(svg, "href=\"http"));
    assert_null(strstr(svg, "font-family"));
    free(svg);
}

/* Numbers as the report prints them, in both languages. */
static void test_lang_numbers(void **state)
{
    (void)state;
    char buf[64];
    nt_lang_num(NT_LANG_EN, -10630.4, 0, buf, sizeof buf);
    assert_string_equal(buf, "\xe2\x88\x92" "10,630");
    nt_lang_num(NT_LANG_NL, -10630.44, 1, buf, sizeof buf);
    assert_string_equal(buf, "\xe2\x88\x92" "10.630,4");
    nt_lang_num(NT_LANG_EN, -0.04, 1, buf, sizeof buf);
    assert_string_equal(buf, "0.0"); /* no minus before a zero */
    nt_lang_num(NT_LANG_EN, 999.96, 1, buf, sizeof buf);
    assert_string_equal(buf, "1,000.0");
    nt_lang_num(NT_LANG_EN, NAN, 1, buf, sizeof buf);
    assert_string_equal(buf, "");
    double scale;
    assert_string_equal(nt_lang_series(NT_LANG_NL, "employed", 0, &scale), "Effect op de baankans (procentpunten)");
    assert_true(scale == 100);
    assert_string_equal(nt_lang_series(NT_LANG_NL, "employed", 1, &scale), "Cumulatief effect (maanden werk)");
    assert_true(scale == 1);
    assert_string_equal(nt_lang_word(NT_LANG_NL, NT_W_MONTHS_SINCE), "Maanden sinds start traject");
    assert_string_equal(nt_lang_series(NT_LANG_EN, "nosuch", 0, &scale), "nosuch");
    nt_lang_date(NT_LANG_NL, 2012, 12, 31, buf, sizeof buf);
    assert_string_equal(buf, "31 december 2012");
    /* Every word exists in both languages. */
    for (int w = 0; w < NT_W_N; w++) {
        assert_true(nt_lang_word(NT_LANG_EN, (nt_word)w)[0] != 0);
        assert_true(nt_lang_word(NT_LANG_NL, (nt_word)w)[0] != 0);
    }
}

/* The run's warnings in Dutch: numbers and names carried over, the two
   wordings of one warning (study file, run) alike, an unknown one refused. */
static void test_warnings_dutch(void **state)
{
    (void)state;
    char buf[1000], other[1000];
    assert_int_equal(nt_report_warning_text(NT_LANG_NL, "1,250 persons left out: earn_prev12 is missing", buf,
                                            sizeof buf), 1);
    assert_string_equal(buf, "1,250 personen weggelaten: earn_prev12 ontbreekt");
    assert_int_equal(nt_report_warning_text(NT_LANG_NL, "no bootstrap: effects of method kernel get no standard errors",
                                            buf, sizeof buf), 1);
    assert_string_equal(buf, "geen bootstrap: effecten van methode kernel krijgen geen standaardfouten");
    assert_int_equal(nt_report_warning_text(NT_LANG_NL,
                                            "cost-benefit: programme types without a cost (no cost_eur, no [cost]): "
                                            "scholing, workfirst; their later starts count as 0 in the incremental cost",
                                            buf, sizeof buf), 1);
    assert_non_null(strstr(buf, "kosten (geen cost_eur, geen [cost]): scholing, workfirst; hun latere"));
    assert_int_equal(nt_report_warning_text(NT_LANG_NL, "the bootstrap is not valid for nearest-neighbour matching with "
                     "replacement and a fixed number of neighbours (Abadie & Imbens 2008); its standard errors and "
                     "intervals may be too small or too large: prefer method = radius, kernel or ipw", buf, sizeof buf), 1);
    assert_int_equal(nt_report_warning_text(NT_LANG_NL, "the bootstrap is not valid for nearest-neighbour matching with "
                     "replacement and a fixed number of neighbours (Abadie & Imbens 2008): its standard errors may be "
                     "too large or too small; effects_by_start.csv has the analytic Abadie-Imbens SEs per start month "
                     "(bootstrap = 0), or use radius, kernel or ipw", other, sizeof other), 1);
    assert_string_equal(buf, other);
    assert_int_equal(nt_report_warning_text(NT_LANG_NL, "12 persons left out: age", buf, sizeof buf), 0);
    assert_int_equal(nt_report_warning_text(NT_LANG_NL, "a warning no one translated", buf, sizeof buf), 0);
    assert_int_equal(nt_report_warning_text(NT_LANG_EN, "a warning no one translated", buf, sizeof buf), 1);
    assert_string_equal(buf, "a warning no one translated");
}

/* The forest plot's x labels: in a wide panel every tick (step 2.5 from
   -15 to 5) has its label; in a narrow one, where they would touch, every
   second (multiples of 5, without decimals), the gridlines all there. */
typedef struct {
    char all[4096];
    size_t n;
} alltext;

static void collect_all(void *ctx, const char *png_path, const char *text)
{
    (void)png_path;
    alltext *t = ctx;
    if (t->n < sizeof t->all) t->n += (size_t)snprintf(t->all + t->n, sizeof t->all - t->n, "|%s", text);
}

static void draw_forest(nt_plot_canvas *cv, double w, double h, const void *fig)
{
    nt_plot_draw_forest(cv, 0, 0, w, h, "difference", fig, 2);
}

static void test_forest_tick_labels(void **state)
{
    (void)state;
    const char *dir = nt_test_dir("plot_forest");
    char png[4200];
    nt_path_join(png, sizeof png, dir, "forest.png");
    nt_plot_row rows[2] = {{"a", "-5.7", -5.7, -12.7, 1.2, {0.1, 0.3, 0.6}},
                           {"b", "-0.2", -0.2, -5.3, 4.8, {0.1, 0.3, 0.6}}};
    nt_error err;
    alltext wide = {{0}, 0}, narrow = {{0}, 0};
    assert_int_equal(nt_plot_write_png(png, 700, 120, draw_forest, rows, NT_LANG_EN, collect_all, &wide, &err), NT_OK);
    assert_int_equal(nt_plot_write_png(png, 150, 120, draw_forest, rows, NT_LANG_EN, collect_all, &narrow, &err), NT_OK);
    assert_non_null(strstr(wide.all, "12.5|"));
    assert_non_null(strstr(wide.all, "2.5|"));
    assert_null(strstr(narrow.all, "12.5"));
    assert_null(strstr(narrow.all, "2.5"));
    assert_non_null(strstr(narrow.all, "10|"));
    assert_null(strstr(narrow.all, "10.0"));
    assert_non_null(strstr(narrow.all, "|0|"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_written),
        cmocka_unit_test(test_nan_gap),
        cmocka_unit_test(test_cumulative),
        cmocka_unit_test(test_lang_numbers),
        cmocka_unit_test(test_warnings_dutch),
        cmocka_unit_test(test_forest_tick_labels),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    nt_plot_cleanup();
    return failed;
}
