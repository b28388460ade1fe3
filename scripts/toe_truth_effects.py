#!/usr/bin/env python3
# The simulator's programme effects for the treated of a simulated data set (docs/toe.md,
# toedef2): lock-in, post and retention per programme times the effect multiplier h,
# averaged per person and over the months on the index benefit ("exposure").
#   scripts/toe_truth_effects.py SIMDIR [homogeneous]   (the effect table of nt_sim_population.c)
import csv, sys, collections
d = sys.argv[1]; homog = len(sys.argv) > 2
def mon(s): y, m = int(s[:4]), int(s[5:7]); return y*12 + m - 1
post = {"bemiddeling": (0.25, -0.10, -0.20, 3), "scholing": (0.45, -0.20, -0.90, 8), "workfirst": (0.35, -0.10, -0.40, 4), "loonkostensubsidie": (0.60, -0.25, -0.50, 6)}
edu = {r["person_id"]: r["education"] for r in csv.DictReader(open(d + "/persons.csv"))}
idx = {}
for r in csv.DictReader(open(d + "/benefits.csv")):
    if r["scheme"] not in ("WW", "BIJSTAND"): continue
    s = mon(r["start_date"])
    if s < mon("2003-01-01") or s > mon("2004-12-31"): continue
    p = r["person_id"]
    if p not in idx or r["start_date"] < idx[p][0]: idx[p] = (r["start_date"], r["end_date"] or "9999-12-31")
jobs = collections.defaultdict(list)
for r in csv.DictReader(open(d + "/jobs.csv")):
    jobs[r["person_id"]].append((mon(r["start_date"]), mon(r["end_date"]) if r["end_date"] else 10**9))
treat = {}
for r in csv.DictReader(open(d + "/programs.csv")):
    p = r["person_id"]
    if p not in idx: continue
    a, b = idx[p]
    if not (a <= r["start_date"] <= b): continue
    if p not in treat or r["start_date"] < treat[p][0]: treat[p] = (r["start_date"], r["program"])
acc = collections.defaultdict(float)
for p, (sd, g) in treat.items():
    m0 = mon(idx[p][0])
    emp12 = any(a <= m0 - 1 and b >= m0 - 12 for a, b in jobs[p])
    h = 1.0 if homog else (1.5 if edu[p] == "low" else 0.6 if edu[p] == "high" else 1.0) * (1.0 if emp12 else 1.5)
    po, re, lk, du = post[g]
    ms = mon(sd); me = mon(idx[p][1]) if idx[p][1] != "9999-12-31" else 10**9
    acc["n"] += 1; acc["post"] += po * h; acc["ret"] += re * h; acc["lock"] += lk
    # post-programme months on the index benefit (exposure)
    ex = max(0, min(me, ms + 120) - (ms + du) + 1)
    acc["x"] += ex; acc["postx"] += po * h * ex
    lx = max(0, min(me, ms + du - 1) - ms + 1); acc["lx"] += lx; acc["lockx"] += lk * lx
    acc["h"] += h
print("treated %d  mean h %.3f  post(person) %.3f  post(exposure) %.3f  retention(person) %.3f  lockin(person) %.3f lockin(exposure) %.3f" % (acc["n"], acc["h"]/acc["n"], acc["post"]/acc["n"], acc["postx"]/acc["x"], acc["ret"]/acc["n"], acc["lock"]/acc["n"], acc["lockx"]/acc["lx"]))
