#!/usr/bin/env python3
"""Per-month summary of scripts/coverage's finished replications.

    python3 scripts/coverage_months.py WORK/SCENARIO "METHODS" [MONTHS]

For every method and month tau in MONTHS (default 11 35 95): SE/SD (median
se over the SD of the estimates across replications) and coverage of the
95% interval, monthly and cumulative (months 0..tau), and the bias (mean
estimate minus the truth) with its Monte Carlo SE (SD / sqrt(R)). Truth as
scripts/coverage: truth.csv averaged over the replications weighted by the
treated counts (true_att, true_att_fixed with ESTIMAND=ATT_fixed,
true_att_never for a method with _never). ESTIMAND=ATT_fixed reads the
driver's est_M_R.fixed.csv where a run wrote them beside the ATT files.
"""
import csv
import glob
import math
import os
import re
import statistics as S
import sys

out, methods = sys.argv[1], sys.argv[2].split()
months = [int(m) for m in (sys.argv[3].split() if len(sys.argv) > 3 else ['11', '35', '95'])]
fixed = os.environ.get('ESTIMAND') == 'ATT_fixed'
num, den, numn = {}, {}, {}
for f in glob.glob(os.path.join(out, 'truth*.csv')):
    for row in csv.reader(open(f)):
        key = (row[2], int(row[3]))
        col = 6 if fixed else 4
        if len(row) > col and row[col] != '':
            num[key] = num.get(key, 0) + float(row[col]) * float(row[5])
            den[key] = den.get(key, 0) + float(row[5])
        if len(row) > 7 and row[7] != '':
            numn[key] = numn.get(key, 0) + float(row[7]) * float(row[5])
truth_att = {k: num[k] / den[k] for k in num if den[k] > 0}
truth_never = {k: numn[k] / den[k] for k in numn if den[k] > 0}


def fl(x):
    try:
        return float(x)
    except ValueError:
        return math.nan


print('| method | reps | month | SE/SD | cov. | bias (MC SE) | cum. SE/SD | cum. cov. | cum. bias (MC SE) | cum. truth |')
print('|---|---|---|---|---|---|---|---|---|---|')
for m in methods:
    files = sorted(f for f in glob.glob(os.path.join(out, f'est_{m}_*.csv'))
                   if re.fullmatch(rf'est_{re.escape(m)}_\d+\.csv', os.path.basename(f)))
    fx = [f[:-4] + '.fixed.csv' for f in files]
    if fixed and fx and all(os.path.exists(f) for f in fx):
        files = fx
    if not files:
        continue
    truth = truth_never if '_never' in m else truth_att
    runs = [list(csv.DictReader(open(f))) for f in files]
    outcome = runs[0][0]['outcome']
    H = max(int(r['month']) for r in runs[0]) + 1
    cumtruth, c = [], 0.0
    for t in range(H):
        c += truth.get((outcome, t), math.nan)
        cumtruth.append(c)
    for tau in months:
        if tau >= H:
            continue
        tr = truth.get((outcome, tau), math.nan)
        a, s, cv, ca, cs, ccv = [], [], [], [], [], []
        for rows in runs:
            r = next(x for x in rows if int(x['month']) == tau and x['outcome'] == outcome)
            if not math.isnan(fl(r['att'])) and not math.isnan(fl(r['se'])):
                a.append(fl(r['att'])); s.append(fl(r['se']))
                cv.append(fl(r['lower']) <= tr <= fl(r['upper']))
            if not math.isnan(fl(r['cum'])) and not math.isnan(fl(r['cum_se'])):
                ca.append(fl(r['cum'])); cs.append(fl(r['cum_se']))
                ccv.append(abs(fl(r['cum']) - cumtruth[tau]) <= 1.959964 * fl(r['cum_se']))
        if len(a) < 3 or len(ca) < 3:
            continue
        sd, csd = S.stdev(a), S.stdev(ca)
        print(f'| {m} | {len(a)} | {tau} | {S.median(s) / sd:.2f} | {100 * sum(cv) / len(cv):.0f}% | '
              f'{S.mean(a) - tr:+.4f} ({sd / math.sqrt(len(a)):.4f}) | {S.median(cs) / csd:.2f} | '
              f'{100 * sum(ccv) / len(ccv):.0f}% | {S.mean(ca) - cumtruth[tau]:+.3f} ({csd / math.sqrt(len(ca)):.3f}) | '
              f'{cumtruth[tau]:.3f} |')
