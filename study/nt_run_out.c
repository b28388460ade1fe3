/* The output folder of `netto run` (docs/results.md, "The output folder"):
   locked for one run, and cleared of the previous result set before the
   new one is written.

   Lock: flock on the folder itself, held until the run ends (the kernel
   drops it when the process dies), so a second run into the same folder
   fails at once and a killed run never blocks the next.
   What counts as a previous result set: manifest.json marks a complete
   run (replaced only with --overwrite); private/ without a manifest is a
   run that failed or was killed (replaced without asking: nothing of it
   looks complete); any other non-empty folder is not netto's (refused
   without --overwrite). Replacing removes manifest.json first (so a kill
   midway leaves nothing that looks complete), then the tables and logs
   (*.csv, *.txt, *.log, *.json), plots/, private/ and export/, and every
   temporary (*.tmp-*, .export-*) a killed run left; other files, and the
   run's own inputs wherever they are, stay. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/nt_file.h"
#include "study/nt_run_parts.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* A name of netto's result set at the top of the folder. */
static int is_result(const char *name, int is_dir)
{
    if (strstr(name, ".tmp-") || !strncmp(name, ".export-", 8)) return 1;
    if (is_dir) return !strcmp(name, "plots") || !strcmp(name, "private") || !strcmp(name, "export");
    return ends_with(name, ".csv") || ends_with(name, ".txt") || ends_with(name, ".log") || ends_with(name, ".json");
}

static int remove_tree(const char *path, int depth)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(sb.st_mode)) return unlink(path);
    if (depth > 4) return -1;
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    int bad = 0;
    char sub[4400];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        nt_path_join(sub, sizeof sub, path, e->d_name);
        bad |= remove_tree(sub, depth + 1) != 0;
    }
    closedir(d);
    return bad || rmdir(path) != 0 ? -1 : 0;
}

/* An input of this run (never removed, even if it looks like a result). */
static int is_input(const nt_run_state *P, const char *path)
{
    const nt_study *st = P->st;
    const char *in[6] = {st->path, st->store_path, st->persons_path, st->benefits_path, st->programs_path, st->jobs_path};
    for (int i = 0; i < 6; i++)
        if (in[i] && nt_file_same(path, in[i])) return 1;
    return 0;
}

static int exists(const char *dir, const char *name)
{
    char p[4400];
    struct stat sb;
    nt_path_join(p, sizeof p, dir, name);
    return lstat(p, &sb) == 0;
}

nt_status nt_run_out_claim(nt_run_state *P, int overwrite, int resume, nt_error *err)
{
    P->out_fd = -1;
    nt_status s = nt_mkdirs(P->out, err);
    if (s) return s;
    int fd = open(P->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return nt_fail_at(err, NT_EIO, P->out, 0, NULL, "cannot open the output folder: %s", strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return nt_fail_at(err, NT_EINPUT, P->out, 0, NULL, "another netto run is writing into this output folder "
                              "(wait for it to finish, or give another --out)");
        return nt_fail_at(err, NT_EIO, P->out, 0, NULL, "cannot lock the output folder: %s", strerror(e));
    }
    P->out_fd = fd;
    const int complete = exists(P->out, "manifest.json"), unfinished = !complete && exists(P->out, "private");
    if (resume && !unfinished)
        return nt_fail_at(err, NT_EINPUT, P->out, 0, NULL, "--resume: the output folder holds %s",
                          complete ? "a complete run (nothing to resume)" : "no interrupted run of netto");
    if (!overwrite && complete)
        return nt_fail_at(err, NT_EINPUT, P->out, 0, NULL, "the output folder holds the results of an earlier run "
                          "(give --overwrite to replace them)");
    if (!overwrite && !unfinished && nt_dir_nonempty(P->out))
        return nt_fail_at(err, NT_EINPUT, P->out, 0, NULL, "the output folder exists and is not empty "
                          "(give --overwrite to replace its results)");
    char path[4400];
    nt_path_join(path, sizeof path, P->out, "manifest.json");
    if (unlink(path) != 0 && errno != ENOENT)
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot remove the former manifest: %s", strerror(errno));
    DIR *d = opendir(P->out);
    if (!d) return nt_fail_at(err, NT_EIO, P->out, 0, NULL, "cannot read the output folder: %s", strerror(errno));
    struct dirent *e;
    int bad = 0;
    while ((e = readdir(d)) && !bad) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        nt_path_join(path, sizeof path, P->out, e->d_name);
        struct stat sb;
        if (lstat(path, &sb) != 0 || !is_result(e->d_name, S_ISDIR(sb.st_mode)) || is_input(P, path)) continue;
        if (resume && !strcmp(e->d_name, "private")) continue;   /* the checkpoint */
        bad = remove_tree(path, 0) != 0;
    }
    closedir(d);
    if (bad) return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot remove the former result: %s", strerror(errno));
    return NT_OK;
}

void nt_run_out_release(nt_run_state *P)
{
    if (P->out_fd >= 0) close(P->out_fd);   /* drops the lock */
    P->out_fd = -1;
}
