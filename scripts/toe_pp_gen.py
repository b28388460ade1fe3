#!/usr/bin/env python3
# Person-period rows for timing-of-events benchmarks of `netto survival toe`
# (docs/toe.md, "Benchmark"): the population of tests/test_toe.c's truth test
# (two types, v = 1.2 on both hazards with probability 0.4, x1 ~ N(0, 1),
# exit baseline -2.4/-2.7/-3.0 by months 1-6/7-12/13-24 and +0.3 x1, entry
# -3.0/-2.8 (months 1-6/7-24) and -0.3 x1, at most 24 months,
# lock-in -0.5 for 4 months, post-programme +0.3, 1% censoring a month).
#   scripts/toe_pp_gen.py PERSONS OUT.csv     (seed 16)
import random, math, sys
N = int(sys.argv[1]); random.seed(16)
ae = [-2.4, -2.7, -3.0]; ap = [-3.0, -2.8]
out = open(sys.argv[2], 'w'); out.write("id,t,exit,entry,inprog,x1\n")
for i in range(N):
    x = random.gauss(0, 1); v = 1.2 if random.random() < 0.4 else 0.0; tp = 0
    for t in range(1, 25):
        since = t - tp if tp else 0
        inp = 1 if 0 < since <= 4 else 0
        ee = ae[0 if t <= 6 else 1 if t <= 12 else 2] + 0.3 * x + v + ((-0.5 if inp else 0.3) if since > 0 else 0)
        ye = random.random() < -math.expm1(-math.exp(ee)); yp = 0
        if since == 0: yp = random.random() < -math.expm1(-math.exp(ap[0 if t <= 6 else 1] - 0.3 * x + v))
        out.write("%d,%d,%d,%d,%d,%.6f\n" % (i, t, ye, int(yp), inp, x))
        if ye: break
        if yp: tp = t
        if random.random() < 0.01: break
