#!/usr/bin/env python3
# The treated's observed employment by month since their programme start (start
# months 0..23 of the index benefit), from simulated spells (docs/toe.md, toedef2).
#   scripts/toe_y1_observed.py SIMDIR
import csv, sys, collections
d = sys.argv[1]
def mon(s): y, m = int(s[:4]), int(s[5:7]); return y*12 + m - 1
END = mon("2012-12-31")
pers = {}
for r in csv.DictReader(open(d + "/persons.csv")):
    c = END
    for k in ("death_date", "emigration_date"):
        if r[k]: c = min(c, mon(r[k]))
    pers[r["person_id"]] = c
idx = {}
for r in csv.DictReader(open(d + "/benefits.csv")):
    if r["scheme"] not in ("WW", "BIJSTAND"): continue
    s = mon(r["start_date"])
    if s < mon("2003-01-01") or s > mon("2004-12-31"): continue
    p = r["person_id"]
    if p not in idx or r["start_date"] < idx[p][0]:
        idx[p] = (r["start_date"], r["end_date"] or "9999-12-31")
treat = {}
for r in csv.DictReader(open(d + "/programs.csv")):
    p = r["person_id"]
    if p not in idx: continue
    a, b = idx[p]
    if not (a <= r["start_date"] <= b): continue
    if p not in treat or r["start_date"] < treat[p][0]: treat[p] = (r["start_date"], r["program"])
jobs = collections.defaultdict(list)
for r in csv.DictReader(open(d + "/jobs.csv")):
    jobs[r["person_id"]].append((mon(r["start_date"]), mon(r["end_date"]) if r["end_date"] else END))
H = 96
num = [0.0]*H; den = [0]*H; n = 0
for p, (sd, prog) in treat.items():
    m0 = mon(idx[p][0]); ms = mon(sd); k = ms - m0
    if k < 0 or k > 23: continue
    n += 1
    for tau in range(H):
        m = ms + tau
        if m > pers[p]: break
        e = any(a <= m <= b for a, b in jobs[p])
        num[tau] += e; den[tau] += 1
print("treated", n)
for tau in range(H): print(tau, round(num[tau]/den[tau], 4), den[tau])
