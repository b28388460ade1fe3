#!/usr/bin/env python3
# Two counts over a simulated data set's spells for the timing-of-events checks (docs/toe.md, toedef2):
#   scripts/toe_sim_check.py SIMDIR effects [homogeneous]
#     the simulator's programme effects for the treated: lock-in, post and retention per programme
#     (the effect table of datasets/nt_sim_population.c) times the effect multiplier h, averaged per
#     person and over the months on the index benefit ("exposure");
#   scripts/toe_sim_check.py SIMDIR groups
#     the same by education x work in the 12 months before inflow (the groups of
#     toe_effect_by = education, emp_prev12 with emp_prev12 = 0-0, 1-12);
#   scripts/toe_sim_check.py SIMDIR observed
#     the treated's observed employment by month since their programme start (start months 0..23).
# The treated: the first programme start within the first WW/BIJSTAND spell starting in 2003-2004.
import csv, sys, collections
d, what = sys.argv[1], sys.argv[2]
homog = len(sys.argv) > 3 and sys.argv[3] == "homogeneous"
def mon(s): y, m = int(s[:4]), int(s[5:7]); return y*12 + m - 1
END = mon("2012-12-31")
persons = list(csv.DictReader(open(d + "/persons.csv")))
idx = {}
for r in csv.DictReader(open(d + "/benefits.csv")):
    if r["scheme"] not in ("WW", "BIJSTAND"): continue
    s = mon(r["start_date"])
    if s < mon("2003-01-01") or s > mon("2004-12-31"): continue
    p = r["person_id"]
    if p not in idx or r["start_date"] < idx[p][0]: idx[p] = (r["start_date"], r["end_date"] or "9999-12-31")
jobs = collections.defaultdict(list)
for r in csv.DictReader(open(d + "/jobs.csv")):
    jobs[r["person_id"]].append((mon(r["start_date"]), mon(r["end_date"]) if r["end_date"] else END))
treat = {}
for r in csv.DictReader(open(d + "/programs.csv")):
    p = r["person_id"]
    if p not in idx: continue
    a, b = idx[p]
    if not (a <= r["start_date"] <= b): continue
    if p not in treat or r["start_date"] < treat[p][0]: treat[p] = (r["start_date"], r["program"])

def effects(by_group=False):
    post = {"bemiddeling": (0.25, -0.10, -0.20, 3), "scholing": (0.45, -0.20, -0.90, 8),
            "workfirst": (0.35, -0.10, -0.40, 4), "loonkostensubsidie": (0.60, -0.25, -0.50, 6)}
    edu = {r["person_id"]: r["education"] for r in persons}
    acc = collections.defaultdict(float)
    for p, (sd, g) in treat.items():
        m0 = mon(idx[p][0])
        emp12 = any(a <= m0 - 1 and b >= m0 - 12 for a, b in jobs[p])
        h = 1.0 if homog else (1.5 if edu[p] == "low" else 0.6 if edu[p] == "high" else 1.0) * (1.0 if emp12 else 1.5)
        po, re, lk, du = post[g]
        ms = mon(sd); me = mon(idx[p][1]) if idx[p][1] != "9999-12-31" else 10**9
        acc["n"] += 1; acc["post"] += po * h; acc["ret"] += re * h; acc["lock"] += lk
        ex = max(0, min(me, ms + 120) - (ms + du) + 1)   # post-programme months on the index benefit
        acc["x"] += ex; acc["postx"] += po * h * ex
        lx = max(0, min(me, ms + du - 1) - ms + 1); acc["lx"] += lx; acc["lockx"] += lk * lx
        acc["h"] += h
        if by_group:
            k = (edu[p] or "missing", "1-12" if emp12 else "0-0")
            for a, v in (("n", 1), ("post", po * h), ("ret", re * h), ("x", ex), ("postx", po * h * ex),
                         ("lx", lx), ("lockx", lk * lx)):
                acc[k + (a,)] += v
    if by_group:
        for e in ("low", "mid", "high", "missing"):
            for w in ("0-0", "1-12"):
                k = (e, w)
                if acc[k + ("n",)] == 0: continue
                print("education=%s,emp_prev12=%s: treated %d  lockin(exposure) %.3f  post(exposure) %.3f  retention(person) %.3f"
                      % (e, w, acc[k + ("n",)], acc[k + ("lockx",)] / max(1, acc[k + ("lx",)]),
                         acc[k + ("postx",)] / max(1, acc[k + ("x",)]), acc[k + ("ret",)] / acc[k + ("n",)]))
    print("treated %d  mean h %.3f  post(person) %.3f  post(exposure) %.3f  retention(person) %.3f  lockin(person) %.3f lockin(exposure) %.3f" % (acc["n"], acc["h"]/acc["n"], acc["post"]/acc["n"], acc["postx"]/acc["x"], acc["ret"]/acc["n"], acc["lock"]/acc["n"], acc["lockx"]/acc["lx"]))

def observed():
    last = {}
    for r in persons:
        c = END
        for k in ("death_date", "emigration_date"):
            if r[k]: c = min(c, mon(r[k]))
        last[r["person_id"]] = c
    H = 96
    num = [0.0]*H; den = [0]*H; n = 0
    for p, (sd, prog) in treat.items():
        m0 = mon(idx[p][0]); ms = mon(sd); k = ms - m0
        if k < 0 or k > 23: continue
        n += 1
        for tau in range(H):
            m = ms + tau
            if m > last[p]: break
            num[tau] += any(a <= m <= b for a, b in jobs[p]); den[tau] += 1
    print("treated", n)
    for tau in range(H): print(tau, round(num[tau]/den[tau], 4), den[tau])

{"effects": effects, "observed": observed, "groups": lambda: effects(True)}[what]()
