# Reference numbers for the timing-of-events model with rows outside a
# hazard's risk set (nt_toe_data.exit_risk / entry_risk, estimators/nt_toe.h;
# docs/toe.md): the likelihood of scripts/reference/toe_golden.R (base R
# only, the same code) on tests/data/toe_small.csv with
#   exit_risk  = 0 in period 1 (as month 0 of a study, when nobody starts
#                work: the period-1 exits of the file are dropped with it,
#                persons whose only row that was go),
#   entry_risk = 0 in the last row of a person without an entry (as the
#                study's rows, where row r stands for a start in month r + 1).
# K = 1 and K = 2: optim BFGS + Newton on optimHess, inverse-information and
# clustered SEs, canonical labels; K = 1 also as two glm(cloglog) fits on
# the rows at risk. Writes tests/data/toe_risk.csv, tests/golden/toe_risk_k1.csv,
# toe_risk_k2.csv, toe_risk_glm.csv.
# Run from the repository root: Rscript scripts/reference/toe_risk_golden.R
options(digits = 17)
cut_e <- c(6, 12); cut_p <- 6
piece <- function(t, cuts) findInterval(t, cuts, left.open = TRUE) + 1
d <- read.csv("tests/data/toe_small.csv")
# a period-1 exit would be a row not at risk with an event: those persons leave the file
d <- d[!(d$person %in% d$person[d$period == 1 & d$y_exit == 1]), ]
d$exit_risk <- as.numeric(d$period != 1)
last <- !duplicated(d$person, fromLast = TRUE)
entered <- ave(d$y_entry, d$person, FUN = sum) > 0
d$entry_risk <- as.numeric(!(last & !entered))
write.csv(d, "tests/data/toe_risk.csv", row.names = FALSE, quote = FALSE)

## ---- design -------------------------------------------------------------
ate <- d$exit_risk == 1
pe <- factor(piece(d$period[ate], cut_e), levels = 1:3)
Xe <- cbind(model.matrix(~ 0 + pe), x1 = d$x1[ate], x2 = d$x2[ate],
            lockin = as.numeric(d$since_entry[ate] > 0 & d$in_program[ate] == 1),
            post = as.numeric(d$since_entry[ate] > 0 & d$in_program[ate] == 0))
atp <- d$since_entry == 0 & d$entry_risk == 1
pp <- factor(piece(d$period[atp], cut_p), levels = 1:2)
Xp <- cbind(model.matrix(~ 0 + pp), x1 = d$x1[atp], x2 = d$x2[atp])
ye <- d$y_exit[ate]; yp <- d$y_entry[atp]
ide <- d$person[ate]; idp <- d$person[atp]
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
# rowsum over all persons (a person may have no rows at risk of a hazard: zeros)
rowsum <- function(x, f) { x <- as.matrix(x); s <- base::rowsum(x, f)
  out <- matrix(0, G, ncol(x), dimnames = list(NULL, colnames(x))); out[match(rownames(s), levels(f)), ] <- s; out }
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

ge <- glm(ye ~ 0 + Xe, family = binomial(link = "cloglog"), control = glm.control(epsilon = 1e-14, maxit = 100))
gp <- glm(yp ~ 0 + Xp, family = binomial(link = "cloglog"), control = glm.control(epsilon = 1e-14, maxit = 100))
gl <- data.frame(name = nm_base, coef = unname(c(coef(ge), coef(gp))),
                 loglik = as.numeric(logLik(ge)) + as.numeric(logLik(gp)))
cat(sprintf("glm vs optim K = 1: max |coef diff| %.3g, loglik diff %.3g\n",
            max(abs(gl$coef - r1$coef)), gl$loglik[1] - r1$loglik[1]))
wr <- function(x, f) { x$name <- gsub(",", ";", x$name, fixed = TRUE)
  write.csv(format(x, digits = 17), f, row.names = FALSE, quote = FALSE) }
wr(r1, "tests/golden/toe_risk_k1.csv")
wr(r2, "tests/golden/toe_risk_k2.csv")
wr(gl, "tests/golden/toe_risk_glm.csv")
cat(sprintf("rows %d, persons %d, exits %d, entries %d, rows not at risk: exit %d, entry %d\n", nrow(d), G,
            sum(d$y_exit), sum(d$y_entry), sum(d$exit_risk == 0), sum(d$entry_risk == 0 & d$since_entry == 0)))
print(r2[, 1:4])
