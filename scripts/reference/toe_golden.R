# Reference numbers for the timing-of-events model (estimators/nt_toe.h,
# docs/toe.md), in base R only:
#   - simulates tests/data/toe_small.csv (400 persons, two unobserved types
#     driving both hazards, lock-in and post-programme effects) and
#     tests/data/toe_loss_cells.csv (job loss after the exits to work of
#     those persons, in cells person x tenure piece; the same type lowers
#     job loss, the programme too);
#   - maximises the same discrete-time mixed proportional hazards likelihood
#     (cloglog hazards; exit and entry, and with the cells job loss as a
#     third hazard sharing the mass points; K = 1 and K = 2, the same
#     parameterisation) with optim(method = "BFGS") and an independent
#     analytic gradient, then Newton steps on optimHess(ndeps = 1e-4) until
#     the gradient is ~0;
#   - SEs from optimHess (inverse observed information) and the person-
#     clustered sandwich G/(G-1) V (sum_i s_i s_i') V;
#   - K = 1 against separate glm(binomial(cloglog)) fits (one per hazard).
# Writes tests/golden/toe_k1.csv, toe_k2.csv, toe_glm.csv (exit and entry)
# and toe_loss_k1.csv, toe_loss_k2.csv, toe_loss_glm.csv (three hazards).
# Run from the repository root: Rscript scripts/reference/toe_golden.R
# scripts/reference/toe_risk_golden.R sources this file for toe_model()
# (the main part below runs only when this file is the script).
options(digits = 17)

piece <- function(t, cuts) findInterval(t, cuts, left.open = TRUE) + 1
logF <- function(u) log(-expm1(-exp(u)))
gfun <- function(mu) ifelse(mu < 1e-300, 1, ifelse(mu > 700, 0, mu / expm1(mu)))

## ---- the model: design, log L, scores, fit ---------------------------------
# d: person-period rows (person, period, y_exit, y_entry, since_entry,
# in_program, x1, x2, optional exit_risk, entry_risk); cells: NULL or the
# job-loss cells (person, piece 1..3 on tenure cuts 0, 2, at, ev, x1, post).
# egroup: NULL, or the name of a person-constant column of d whose values are
# the effect groups (toe_effect_by): lock-in and post per group, group-major
# ("exit:lockin[x2=0]", "exit:post[x2=0]", "exit:lockin[x2=1]", ...), and
# the job-loss post column per group ("loss:post[x2=0]", ...).
toe_model <- function(d, cells = NULL, cut_e = c(6, 12), cut_p = 6, egroup = NULL) {
  if (is.null(d$exit_risk)) d$exit_risk <- 1
  if (is.null(d$entry_risk)) d$entry_risk <- 1
  ate <- d$exit_risk == 1
  pe <- factor(piece(d$period[ate], cut_e), levels = 1:3)
  lockin <- as.numeric(d$since_entry[ate] > 0 & d$in_program[ate] == 1)
  post <- as.numeric(d$since_entry[ate] > 0 & d$in_program[ate] == 0)
  effn <- c("exit:lockin", "exit:post"); lossn <- "loss:post"
  if (is.null(egroup)) Eff <- cbind(lockin = lockin, post = post) else {
    lev <- sort(unique(d[[egroup]])); gv <- d[[egroup]][ate]; sfx <- sprintf("[%s=%s]", egroup, lev)
    Eff <- do.call(cbind, lapply(lev, function(g) cbind(lockin * (gv == g), post * (gv == g))))
    effn <- as.vector(rbind(paste0("exit:lockin", sfx), paste0("exit:post", sfx)))
    lossn <- paste0("loss:post", sfx)
  }
  Xe <- cbind(model.matrix(~ 0 + pe), x1 = d$x1[ate], x2 = d$x2[ate], Eff)
  atp <- d$since_entry == 0 & d$entry_risk == 1
  pp <- factor(piece(d$period[atp], cut_p), levels = 1:2)
  Xp <- cbind(model.matrix(~ 0 + pp), x1 = d$x1[atp], x2 = d$x2[atp])
  ye <- d$y_exit[ate]; yp <- d$y_entry[atp]
  persons <- sort(unique(d$person)); G <- length(persons)
  fe <- factor(d$person[ate], persons); fp <- factor(d$person[atp], persons)
  nm <- c("exit:(-Inf,6]", "exit:(6,12]", "exit:(12,Inf)", "exit:x1", "exit:x2", effn,
          "entry:(-Inf,6]", "entry:(6,Inf)", "entry:x1", "entry:x2")
  nv <- 2; Xl <- NULL; pl_n <- 0
  if (!is.null(cells)) {
    nv <- 3
    pl <- factor(cells$piece, levels = 1:3)
    Lp <- if (is.null(egroup)) cbind(post = cells$post) else {
      cg <- d[[egroup]][match(cells$person, d$person)]
      do.call(cbind, lapply(lev, function(g) cells$post * (cg == g)))
    }
    Xl <- cbind(model.matrix(~ 0 + pl), x1 = cells$x1, Lp)
    fl <- factor(cells$person, persons); at <- cells$at; ev <- cells$ev
    pl_n <- ncol(Xl)
    nm <- c(nm, "loss:(-Inf,0]", "loss:(0,2]", "loss:(2,Inf)", "loss:x1", lossn)
  }
  pe_n <- ncol(Xe); pp_n <- ncol(Xp); pbase <- pe_n + pp_n + pl_n
  # rowsum over all persons (a person may have no rows of a hazard: zeros)
  rsum <- function(x, f) { x <- as.matrix(x); s <- base::rowsum(x, f)
    out <- matrix(0, G, ncol(x)); out[match(rownames(s), levels(f)), ] <- s; out }
  names_K <- function(K) {
    if (K == 1) return(nm)
    vn <- c("v_exit", "v_entry", "v_loss")[1:nv]
    c(nm, as.vector(t(outer(2:K, vn, function(k, v) sprintf("%s[%d]", v, k)))), sprintf("logit_pi[%d]", 2:K))
  }
  unpack <- function(th, K) {
    v <- if (K > 1) matrix(th[pbase + 1:(nv * (K - 1))], nv) else matrix(0, nv, 0)
    cc <- c(0, if (K > 1) th[pbase + nv * (K - 1) + 1:(K - 1)])
    list(be = th[1:pe_n], bp = th[pe_n + 1:pp_n], bl = if (pl_n) th[pe_n + pp_n + 1:pl_n],
         ve = c(0, v[1, ]), vp = c(0, v[2, ]), vl = c(0, if (nv > 2) v[3, ] else rep(0, K - 1)),
         lpi = cc - max(cc) - log(sum(exp(cc - max(cc)))))
  }
  # per-person, per-type log contributions (G x K), posterior weights
  parts <- function(th, K) {
    u <- unpack(th, K)
    eta_e <- drop(Xe %*% u$be); eta_p <- drop(Xp %*% u$bp)
    eta_l <- if (pl_n) drop(Xl %*% u$bl)
    l <- matrix(0, G, K)
    for (k in 1:K) {
      ce <- ifelse(ye == 1, logF(eta_e + u$ve[k]), -exp(eta_e + u$ve[k]))
      cp <- ifelse(yp == 1, logF(eta_p + u$vp[k]), -exp(eta_p + u$vp[k]))
      l[, k] <- u$lpi[k] + rsum(ce, fe)[, 1] + rsum(cp, fp)[, 1]
      if (pl_n) {
        cl <- ifelse(ev > 0, ev * logF(eta_l + u$vl[k]), 0) - (at - ev) * exp(eta_l + u$vl[k])
        l[, k] <- l[, k] + rsum(cl, fl)[, 1]
      }
    }
    m <- apply(l, 1, max)
    ll <- m + log(rowSums(exp(l - m)))
    list(u = u, eta_e = eta_e, eta_p = eta_p, eta_l = eta_l, ll = ll, w = exp(l - ll))
  }
  loglik <- function(th, K) sum(parts(th, K)$ll)
  # person scores (G x p)
  scores <- function(th, K) {
    P <- parts(th, K); u <- P$u; w <- P$w
    ie <- as.integer(fe); ip <- as.integer(fp)
    de <- numeric(length(ye)); dp <- numeric(length(yp))
    Sv <- array(0, c(G, K, nv))                                 # d l_k / d v_k per person and hazard
    if (pl_n) { il <- as.integer(fl); dl <- numeric(length(at)) }
    for (k in 1:K) {
      ge <- ifelse(ye == 1, gfun(exp(P$eta_e + u$ve[k])), -exp(P$eta_e + u$ve[k]))
      gp <- ifelse(yp == 1, gfun(exp(P$eta_p + u$vp[k])), -exp(P$eta_p + u$vp[k]))
      de <- de + w[ie, k] * ge; dp <- dp + w[ip, k] * gp
      Sv[, k, 1] <- rsum(ge, fe)[, 1]
      Sv[, k, 2] <- rsum(gp, fp)[, 1]
      if (pl_n) {
        gl <- ev * gfun(exp(P$eta_l + u$vl[k])) - (at - ev) * exp(P$eta_l + u$vl[k])
        dl <- dl + w[il, k] * gl
        Sv[, k, 3] <- rsum(gl, fl)[, 1]
      }
    }
    S <- cbind(rsum(de * Xe, fe), rsum(dp * Xp, fp), if (pl_n) rsum(dl * Xl, fl))
    if (K > 1) {
      V <- NULL
      for (k in 2:K) for (h in 1:nv) V <- cbind(V, w[, k] * Sv[, k, h])
      C <- sweep(w[, 2:K, drop = FALSE], 2, exp(u$lpi[2:K]))
      S <- cbind(S, V, C)
    }
    unname(S)
  }
  grad <- function(th, K) colSums(scores(th, K))
  canonical <- function(th, K) {
    if (K < 2) return(th)
    u <- unpack(th, K)
    ref <- which.max(u$lpi)
    others <- setdiff(1:K, ref)
    others <- others[order(u$ve[others], u$vp[others])]
    th[1:3] <- th[1:3] + u$ve[ref]
    th[pe_n + 1:2] <- th[pe_n + 1:2] + u$vp[ref]
    if (pl_n) th[pe_n + pp_n + 1:3] <- th[pe_n + pp_n + 1:3] + u$vl[ref]
    cc <- u$lpi - u$lpi[ref]
    vv <- rbind(u$ve[others] - u$ve[ref], u$vp[others] - u$vp[ref], u$vl[others] - u$vl[ref])
    th[pbase + 1:(nv * (K - 1))] <- as.vector(vv[1:nv, , drop = FALSE])
    th[pbase + nv * (K - 1) + 1:(K - 1)] <- cc[others]
    th
  }
  hess <- function(th, K) optimHess(th, function(t) -loglik(t, K), function(t) -grad(t, K),
                                    control = list(ndeps = rep(1e-4, length(th))))
  fit <- function(start, K) {
    fn <- function(th) -loglik(th, K) / G
    gr <- function(th) -grad(th, K) / G
    o <- optim(start, fn, gr, method = "BFGS", control = list(maxit = 5000, reltol = 1e-12))
    th <- o$par
    for (it in 1:30) {                                   # Newton polish on optimHess
      g <- grad(th, K)
      if (max(abs(g)) / G < 1e-11) break
      th <- th - solve(hess(th, K), -g)
    }
    th <- canonical(th, K)
    g <- grad(th, K)
    cat(sprintf("K = %d: optim convergence %d, counts %s, loglik %.12f, max|grad|/G %.3g\n",
                K, o$convergence, paste(o$counts, collapse = "/"), loglik(th, K), max(abs(g)) / G))
    V <- solve(hess(th, K))
    S <- scores(th, K)
    Vc <- G / (G - 1) * V %*% crossprod(S) %*% V
    ll <- loglik(th, K); p <- length(th)
    data.frame(name = names_K(K), coef = th, se = sqrt(diag(V)), se_cluster = sqrt(diag(Vc)),
               loglik = ll, aic = -2 * ll + 2 * p, bic = -2 * ll + p * log(G))
  }
  # K = 1 start: cloglog of each piece's event rate, zero slopes (as nt_toe.c)
  start1 <- function() {
    st <- c(log(-log1p(-tapply(ye, pe, mean))), rep(0, pe_n - 3), log(-log1p(-tapply(yp, pp, mean))), 0, 0)
    if (pl_n) st <- c(st, log(-log1p(-tapply(ev, pl, sum) / tapply(at, pl, sum))), rep(0, pl_n - 3))
    unname(st)
  }
  # the numerical check of the R gradient itself
  check_grad <- function(th, K) {
    num <- sapply(seq_along(th), function(j) { h <- 1e-6; e <- replace(numeric(length(th)), j, h)
      (loglik(th + e, K) - loglik(th - e, K)) / (2 * h) })
    stopifnot(max(abs(num - grad(th, K))) < 1e-5)
  }
  # K = 1 as separate glm(binomial(cloglog)) fits, one per hazard
  glm_fits <- function() {
    ctl <- glm.control(epsilon = 1e-14, maxit = 100)
    g <- list(glm(ye ~ 0 + Xe, family = binomial(link = "cloglog"), control = ctl),
              glm(yp ~ 0 + Xp, family = binomial(link = "cloglog"), control = ctl))
    if (pl_n) g[[3]] <- glm(I(ev / at) ~ 0 + Xl, weights = at, family = binomial(link = "cloglog"), control = ctl)
    # the cells' binomial log-likelihood without the constant log choose(at, ev)
    ll_l <- if (pl_n) sum(ev * log(fitted(g[[3]])) + (at - ev) * log1p(-fitted(g[[3]]))) else 0
    data.frame(name = nm, coef = unname(unlist(lapply(g, coef))),
               loglik = as.numeric(logLik(g[[1]])) + as.numeric(logLik(g[[2]])) + ll_l)
  }
  # K = 2: the K = 1 optimum plus a point at v (probability 0.2); the other
  # spread starts must not find a higher maximum
  fit2 <- function(r1, v, spread) {
    st2 <- c(r1$coef, v, log(0.25))
    check_grad(st2 + 0.05, 2)
    r2 <- fit(st2, 2)
    for (s in spread) {
      th <- optim(c(r1$coef, s, log(0.25)), function(t) -loglik(t, 2) / G, function(t) -grad(t, 2) / G,
                  method = "BFGS", control = list(maxit = 5000, reltol = 1e-12))$par
      cat(sprintf("  start (%s): loglik %.10f (best %.10f)\n", paste(s, collapse = ", "), loglik(th, 2), r2$loglik[1]))
    }
    r2
  }
  list(G = G, fit = fit, fit2 = fit2, start1 = start1, check_grad = check_grad, glm_fits = glm_fits,
       loglik = loglik, grad = grad)
}

# interval names carry a comma: written with ';' (the test readers know no quotes)
# K = 1 by optim (checked against glm) and K = 2 from the given starts,
# written as tests/golden/<prefix>_k1.csv, _k2.csv and _glm.csv.
fit_goldens <- function(M, prefix, v2, starts, label = "") {
  M$check_grad(M$start1() + 0.1, 1)
  r1 <- M$fit(M$start1(), 1)
  r2 <- M$fit2(r1, v2, starts)
  gl <- M$glm_fits()
  cat(sprintf("glm vs optim K = 1%s: max |coef diff| %.3g, loglik diff %.3g\n", label,
              max(abs(gl$coef - r1$coef)), gl$loglik[1] - r1$loglik[1]))
  write_golden(r1, sprintf("tests/golden/%s_k1.csv", prefix))
  write_golden(r2, sprintf("tests/golden/%s_k2.csv", prefix))
  write_golden(gl, sprintf("tests/golden/%s_glm.csv", prefix))
  r2
}

write_golden <- function(x, f) { x$name <- gsub(",", ";", x$name, fixed = TRUE)
  write.csv(format(x, digits = 17), f, row.names = FALSE, quote = FALSE) }

## ---- main: simulated data and the goldens -----------------------------------
if (sys.nframe() == 0L) {
  set.seed(20261129)
  N <- 400; Tmax <- 24; L <- 3                       # lock-in: 3 months after the entry month
  a_e <- c(-2.2, -2.5, -2.8); cut_e <- c(6, 12)      # exit baseline pieces (-Inf,6] (6,12] (12,Inf)
  a_p <- c(-3.0, -2.7); cut_p <- 6                   # entry baseline pieces (-Inf,6] (6,Inf)
  b_e <- c(0.3, -0.4); b_p <- c(-0.2, 0.5)
  d_lock <- -0.6; d_post <- 0.4
  v_e2 <- 0.9; v_p2 <- 0.8; pi2 <- 0.35              # type 2 shifts both hazards
  rows <- list(); type <- integer(N)
  for (i in seq_len(N)) {
    x1 <- round(rnorm(1), 4); x2 <- as.numeric(runif(1) < 0.4)
    typ <- type[i] <- if (runif(1) < pi2) 2 else 1
    ve <- c(0, v_e2)[typ]; vp <- c(0, v_p2)[typ]
    tp <- NA
    for (t in 1:Tmax) {
      se <- if (is.na(tp)) 0 else t - tp
      inprog <- as.numeric(se > 0 && se <= L)
      eta_e <- a_e[piece(t, cut_e)] + b_e[1] * x1 + b_e[2] * x2 + ve +
        (if (se > 0) (if (inprog == 1) d_lock else d_post) else 0)
      ye <- as.numeric(runif(1) < 1 - exp(-exp(eta_e)))
      yp <- 0
      if (se == 0) {
        eta_p <- a_p[piece(t, cut_p)] + b_p[1] * x1 + b_p[2] * x2 + vp
        yp <- as.numeric(runif(1) < 1 - exp(-exp(eta_p)))
      }
      rows[[length(rows) + 1]] <- c(i, t, ye, yp, se, inprog, x1, x2)
      if (ye == 1) break
      if (yp == 1) tp <- t
      if (runif(1) < 0.02) break                      # other exit: independent censoring
    }
  }
  d <- as.data.frame(do.call(rbind, rows))
  names(d) <- c("person", "period", "y_exit", "y_entry", "since_entry", "in_program", "x1", "x2")
  dir.create("tests/data", showWarnings = FALSE)
  write.csv(d, "tests/data/toe_small.csv", row.names = FALSE, quote = FALSE)

  # job loss after each exit to work (a stream of its own: toe_small.csv is
  # as before): 12 months observed, employed in the exit month; a loss with
  # the cloglog hazard a_l[piece(s)] + b_l x1 + d_l T + v_l (s = tenure, 0
  # in a job's first month; T = entered before the exit; type 2 loses jobs
  # less), a new job with probability 0.3 a month (tenure from 0 again)
  set.seed(20261130)
  a_l <- c(-1.8, -2.4, -3.0); b_l <- 0.25; d_l <- -0.4; v_l2 <- -0.8
  ex <- d[d$y_exit == 1, ]
  cl <- list()
  for (r in seq_len(nrow(ex))) {
    i <- ex$person[r]; T <- as.numeric(ex$since_entry[r] > 0)
    at <- ev <- numeric(3); emp <- 1; s <- 0
    for (m in 1:11) {                               # months 0..10 with month m observed
      if (emp == 1) {
        k <- piece(s, c(0, 2))
        lost <- runif(1) < 1 - exp(-exp(a_l[k] + b_l * ex$x1[r] + d_l * T + c(0, v_l2)[type[i]]))
        at[k] <- at[k] + 1; ev[k] <- ev[k] + lost
        if (lost) emp <- 0 else s <- s + 1
      } else if (runif(1) < 0.3) { emp <- 1; s <- 0 }
    }
    for (k in which(at > 0)) cl[[length(cl) + 1]] <- c(i, k, at[k], ev[k], ex$x1[r], T)
  }
  cells <- as.data.frame(do.call(rbind, cl))
  names(cells) <- c("person", "piece", "at", "ev", "x1", "post")
  write.csv(cells, "tests/data/toe_loss_cells.csv", row.names = FALSE, quote = FALSE)

  dir.create("tests/golden", showWarnings = FALSE)
  # exit and entry (two hazards)
  M <- toe_model(d)
  r2 <- fit_goldens(M, "toe", c(1, 1), list(c(-1, -1), c(1, -1), c(-1, 1)))
  cat(sprintf("rows %d, persons %d, exits %d, entries %d\n", nrow(d), M$G, sum(d$y_exit), sum(d$y_entry)))
  print(r2[, 1:4])
  # with job loss (three hazards sharing the mass points)
  ML <- toe_model(d, cells)
  l2 <- fit_goldens(ML, "toe_loss", c(1, 1, -1), list(c(-1, -1, 1), c(1, 1, 0), c(1, -1, -1)), " (three hazards)")
  cat(sprintf("loss cells %d, months %g, losses %g (treated: %g of %g)\n", nrow(cells), sum(cells$at),
              sum(cells$ev), sum(cells$ev[cells$post == 1]), sum(cells$at[cells$post == 1])))
  print(l2[, 1:4])
}
