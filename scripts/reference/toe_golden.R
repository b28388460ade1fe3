# Reference numbers for the timing-of-events model (estimators/nt_toe.h,
# docs/toe.md), in base R only:
#   - simulates tests/data/toe_small.csv (400 persons, two unobserved types
#     driving both hazards, lock-in and post-programme effects);
#   - maximises the same discrete-time bivariate MPH likelihood (cloglog
#     hazards, K = 1 and K = 2 mass points, same parameterisation) with
#     optim(method = "BFGS") and an independent analytic gradient, then
#     Newton steps on optimHess(ndeps = 1e-4) until the gradient is ~0;
#   - SEs from optimHess (inverse observed information) and the person-
#     clustered sandwich G/(G-1) V (sum_i s_i s_i') V;
#   - K = 1 against two separate glm(binomial(cloglog)) fits.
# Writes tests/golden/toe_k1.csv, toe_k2.csv, toe_glm.csv.
# Run from the repository root: Rscript scripts/reference/toe_golden.R
options(digits = 17)

## ---- simulated data -------------------------------------------------------
set.seed(20261129)
N <- 400; Tmax <- 24; L <- 3                       # lock-in: 3 months after the entry month
a_e <- c(-2.2, -2.5, -2.8); cut_e <- c(6, 12)      # exit baseline pieces (-Inf,6] (6,12] (12,Inf)
a_p <- c(-3.0, -2.7); cut_p <- 6                   # entry baseline pieces (-Inf,6] (6,Inf)
b_e <- c(0.3, -0.4); b_p <- c(-0.2, 0.5)
d_lock <- -0.6; d_post <- 0.4
v_e2 <- 0.9; v_p2 <- 0.8; pi2 <- 0.35              # type 2 shifts both hazards
piece <- function(t, cuts) findInterval(t, cuts, left.open = TRUE) + 1
rows <- list()
for (i in seq_len(N)) {
  x1 <- round(rnorm(1), 4); x2 <- as.numeric(runif(1) < 0.4)
  typ <- if (runif(1) < pi2) 2 else 1
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

## ---- design -------------------------------------------------------------
pe <- factor(piece(d$period, cut_e), levels = 1:3)
Xe <- cbind(model.matrix(~ 0 + pe), x1 = d$x1, x2 = d$x2,
            lockin = as.numeric(d$since_entry > 0 & d$in_program == 1),
            post = as.numeric(d$since_entry > 0 & d$in_program == 0))
atp <- d$since_entry == 0
pp <- factor(piece(d$period[atp], cut_p), levels = 1:2)
Xp <- cbind(model.matrix(~ 0 + pp), x1 = d$x1[atp], x2 = d$x2[atp])
ye <- d$y_exit; yp <- d$y_entry[atp]
ide <- d$person; idp <- d$person[atp]
G <- length(unique(d$person))
pe_n <- ncol(Xe); pp_n <- ncol(Xp); pbase <- pe_n + pp_n
nm_base <- c("exit:(-Inf,6]", "exit:(6,12]", "exit:(12,Inf)", "exit:x1", "exit:x2", "exit:lockin", "exit:post",
             "entry:(-Inf,6]", "entry:(6,Inf)", "entry:x1", "entry:x2")
names_K <- function(K) {
  if (K == 1) return(nm_base)
  c(nm_base, as.vector(rbind(sprintf("v_exit[%d]", 2:K), sprintf("v_entry[%d]", 2:K))), sprintf("logit_pi[%d]", 2:K))
}
unpack <- function(th, K) {
  v <- if (K > 1) matrix(th[pbase + 1:(2 * (K - 1))], 2) else matrix(0, 2, 0)
  cc <- c(0, if (K > 1) th[pbase + 2 * (K - 1) + 1:(K - 1)])
  list(be = th[1:pe_n], bp = th[pe_n + 1:pp_n], ve = c(0, v[1, ]), vp = c(0, v[2, ]),
       lpi = cc - max(cc) - log(sum(exp(cc - max(cc)))))
}
logF <- function(u) log(-expm1(-exp(u)))
gfun <- function(mu) ifelse(mu < 1e-300, 1, ifelse(mu > 700, 0, mu / expm1(mu)))
persons <- sort(unique(d$person))
fe <- factor(ide, persons); fp <- factor(idp, persons)
# per-person, per-type log contributions (G x K) and the pieces of the gradient
parts <- function(th, K) {
  u <- unpack(th, K)
  eta_e <- drop(Xe %*% u$be); eta_p <- drop(Xp %*% u$bp)
  l <- matrix(0, G, K)
  for (k in 1:K) {
    ce <- ifelse(ye == 1, logF(eta_e + u$ve[k]), -exp(eta_e + u$ve[k]))
    cp <- ifelse(yp == 1, logF(eta_p + u$vp[k]), -exp(eta_p + u$vp[k]))
    l[, k] <- u$lpi[k] + rowsum(ce, fe)[, 1] + rowsum(cp, fp)[, 1]
  }
  m <- apply(l, 1, max)
  ll <- m + log(rowSums(exp(l - m)))
  list(u = u, eta_e = eta_e, eta_p = eta_p, l = l, ll = ll, w = exp(l - ll))
}
loglik <- function(th, K) sum(parts(th, K)$ll)
# person scores (G x p)
scores <- function(th, K) {
  P <- parts(th, K); u <- P$u; w <- P$w
  ie <- match(ide, persons); ip <- match(idp, persons)
  de <- numeric(length(ye)); dp <- numeric(length(yp))
  Se <- matrix(0, G, K); Sp <- matrix(0, G, K)                # d l_k / d v_k per person
  for (k in 1:K) {
    ge <- ifelse(ye == 1, gfun(exp(P$eta_e + u$ve[k])), -exp(P$eta_e + u$ve[k]))
    gp <- ifelse(yp == 1, gfun(exp(P$eta_p + u$vp[k])), -exp(P$eta_p + u$vp[k]))
    de <- de + w[ie, k] * ge; dp <- dp + w[ip, k] * gp
    Se[, k] <- rowsum(ge, fe)[, 1]
    Sp[, k] <- rowsum(gp, fp)[, 1]
  }
  S <- cbind(rowsum(de * Xe, fe), rowsum(dp * Xp, fp))
  if (K > 1) {
    V <- NULL
    for (k in 2:K) V <- cbind(V, w[, k] * Se[, k], w[, k] * Sp[, k])
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
  cc <- u$lpi - u$lpi[ref]
  th[pbase + 1:(2 * (K - 1))] <- as.vector(rbind(u$ve[others] - u$ve[ref], u$vp[others] - u$vp[ref]))
  th[pbase + 2 * (K - 1) + 1:(K - 1)] <- cc[others]
  th
}

fit <- function(start, K) {
  fn <- function(th) -loglik(th, K) / G
  gr <- function(th) -grad(th, K) / G
  o <- optim(start, fn, gr, method = "BFGS", control = list(maxit = 5000, reltol = 1e-12))
  th <- o$par
  for (it in 1:30) {                                   # Newton polish on optimHess
    g <- grad(th, K)
    if (max(abs(g)) / G < 1e-11) break
    H <- optimHess(th, function(t) -loglik(t, K), function(t) -grad(t, K), control = list(ndeps = rep(1e-4, length(th))))
    th <- th - solve(H, -g)
  }
  th <- canonical(th, K)
  g <- grad(th, K)
  cat(sprintf("K = %d: optim convergence %d, counts %s, loglik %.12f, max|grad|/G %.3g\n",
              K, o$convergence, paste(o$counts, collapse = "/"), loglik(th, K), max(abs(g)) / G))
  H <- optimHess(th, function(t) -loglik(t, K), function(t) -grad(t, K), control = list(ndeps = rep(1e-4, length(th))))
  V <- solve(H)
  S <- scores(th, K)
  Vc <- G / (G - 1) * V %*% crossprod(S) %*% V
  ll <- loglik(th, K); p <- length(th)
  data.frame(name = names_K(K), coef = th, se = sqrt(diag(V)), se_cluster = sqrt(diag(Vc)),
             loglik = ll, aic = -2 * ll + 2 * p, bic = -2 * ll + p * log(G))
}

# K = 1 start: cloglog of each piece's event rate, zero slopes (as nt_toe.c)
rate_e <- tapply(ye, pe, mean); rate_p <- tapply(yp, pp, mean)
st1 <- c(log(-log1p(-rate_e)), 0, 0, 0, 0, log(-log1p(-rate_p)), 0, 0)
# numerical check of the R gradient itself
th0 <- st1 + 0.1
num <- sapply(seq_along(th0), function(j) { h <- 1e-6; e <- replace(numeric(length(th0)), j, h)
  (loglik(th0 + e, 1) - loglik(th0 - e, 1)) / (2 * h) })
stopifnot(max(abs(num - grad(th0, 1))) < 1e-5)
r1 <- fit(st1, 1)
# K = 2 start: the K = 1 optimum plus a point at (1, 1) with probability 0.2 (nt_toe.c's first start)
st2 <- c(r1$coef, 1, 1, log(0.25))
th0 <- st2 + 0.05
num <- sapply(seq_along(th0), function(j) { h <- 1e-6; e <- replace(numeric(length(th0)), j, h)
  (loglik(th0 + e, 2) - loglik(th0 - e, 2)) / (2 * h) })
stopifnot(max(abs(num - grad(th0, 2))) < 1e-5)
r2 <- fit(st2, 2)
# the other spread starts must not find a higher maximum
for (s in list(c(-1, -1), c(1, -1), c(-1, 1))) {
  th <- optim(c(r1$coef, s, log(0.25)), function(t) -loglik(t, 2) / G, function(t) -grad(t, 2) / G,
              method = "BFGS", control = list(maxit = 5000, reltol = 1e-12))$par
  cat(sprintf("  start (%g, %g): loglik %.10f\n", s[1], s[2], loglik(th, 2)))
}

## ---- K = 1 = two independent cloglog models --------------------------------
ge <- glm(ye ~ 0 + Xe, family = binomial(link = "cloglog"), control = glm.control(epsilon = 1e-14, maxit = 100))
gp <- glm(yp ~ 0 + Xp, family = binomial(link = "cloglog"), control = glm.control(epsilon = 1e-14, maxit = 100))
gl <- data.frame(name = nm_base, coef = unname(c(coef(ge), coef(gp))),
                 loglik = as.numeric(logLik(ge)) + as.numeric(logLik(gp)))
cat(sprintf("glm vs optim K = 1: max |coef diff| %.3g, loglik diff %.3g\n",
            max(abs(gl$coef - r1$coef)), gl$loglik[1] - r1$loglik[1]))

dir.create("tests/golden", showWarnings = FALSE)
# interval names carry a comma: written with ';' (the test readers know no quotes)
wr <- function(x, f) { x$name <- gsub(",", ";", x$name, fixed = TRUE)
  write.csv(format(x, digits = 17), f, row.names = FALSE, quote = FALSE) }
wr(r1, "tests/golden/toe_k1.csv")
wr(r2, "tests/golden/toe_k2.csv")
wr(gl, "tests/golden/toe_glm.csv")
cat(sprintf("rows %d, persons %d, exits %d, entries %d\n", nrow(d), G, sum(d$y_exit), sum(d$y_entry)))
print(r2[, 1:4])
