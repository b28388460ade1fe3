#include "core/nt_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

nt_status nt_file_tmpname(const char *path, char *tmp, unsigned long size, nt_error *err)
{
    /* mkstemp gives a unique name; the empty file it creates is reused by
       the caller (HDF5 truncates it). */
    if ((unsigned long)snprintf(tmp, size, "%s.tmp-%ld-XXXXXX", path, (long)getpid()) >= size)
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "output path is too long");
    int fd = mkstemp(tmp);
    if (fd < 0)
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot create a file beside it: %s", strerror(errno));
    close(fd);
    return NT_OK;
}

void nt_file_clean_stale(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    if (!*base) return;
    if (!slash) snprintf(dir, sizeof dir, ".");
    else snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    DIR *d = opendir(dir);
    if (!d) return;
    size_t bl = strlen(base);
    struct dirent *e;
    char full[8300];
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, base, bl) || strncmp(e->d_name + bl, ".tmp-", 5)) continue;
        char *end;
        long pid = strtol(e->d_name + bl + 5, &end, 10);
        if (end == e->d_name + bl + 5 || *end != '-' || pid <= 0) continue;
        if (pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            nt_path_join(full, sizeof full, dir, e->d_name);
            unlink(full);
        }
    }
    closedir(d);
}

nt_status nt_file_check_input(const char *path, nt_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot read: %s", strerror(errno));
    const char *what = S_ISFIFO(sb.st_mode)  ? "a pipe (FIFO)"
                       : S_ISCHR(sb.st_mode) ? "a character device"
                       : S_ISBLK(sb.st_mode) ? "a block device"
                       : S_ISSOCK(sb.st_mode) ? "a socket"
                       : S_ISDIR(sb.st_mode) ? "a folder"
                                             : NULL;
    if (what)
        return nt_fail_at(err, NT_EINPUT, path, 0, NULL, "is %s, not a regular file: netto reads every input twice "
                          "(its SHA-256, then its records); save it to a file first", what);
    return NT_OK;
}

int nt_file_same(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b) return 0;
    if (!strcmp(a, b)) return 1;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The mode of a finished file: as fopen would create it (0666 less the
   umask; mkstemp's temporary is 0600). The umask is read once. */
static mode_t finished_mode(void)
{
    static mode_t mode;
    static int known;
    if (!known) {
        mode_t u = umask(022);
        umask(u);
        mode = 0666 & ~u;
        known = 1;
    }
    return mode;
}

nt_status nt_file_rename(const char *tmp, const char *path, nt_error *err)
{
    if (chmod(tmp, finished_mode()) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot rename the finished file into place: %s", strerror(e));
    }
    return NT_OK;
}

nt_status nt_outfile_open(nt_outfile *f, const char *path, nt_error *err)
{
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s", path);
    nt_status s = nt_file_tmpname(path, f->tmp, sizeof f->tmp, err);
    if (s) return s;
    f->fp = fopen(f->tmp, "wb");
    if (!f->fp) {
        remove(f->tmp);
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot write: %s", strerror(errno));
    }
    return NT_OK;
}

nt_status nt_outfile_commit(nt_outfile *f, nt_error *err)
{
    if (!f->fp) return nt_fail_at(err, NT_EIO, f->path, 0, NULL, "file was not open");
    int bad = ferror(f->fp) || fflush(f->fp) != 0 || fsync(fileno(f->fp)) != 0;
    if (fclose(f->fp) != 0) bad = 1;
    f->fp = NULL;
    if (bad) {
        remove(f->tmp);
        return nt_fail_at(err, NT_EIO, f->path, 0, NULL, "write failed (disk full?)");
    }
    return nt_file_rename(f->tmp, f->path, err);
}

nt_status nt_mkdirs(const char *dir, nt_error *err)
{
    char buf[4096];
    if ((unsigned long)snprintf(buf, sizeof buf, "%s", dir) >= sizeof buf)
        return nt_fail(err, NT_EIO, "folder name too long: %s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return nt_fail_at(err, NT_EIO, buf, 0, NULL, "cannot create folder: %s", strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return nt_fail_at(err, NT_EIO, buf, 0, NULL, "cannot create folder: %s", strerror(errno));
    return NT_OK;
}

int nt_dir_nonempty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int any = 0;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) { any = 1; break; }
    }
    closedir(d);
    return any;
}

void nt_path_join(char *out, unsigned long size, const char *dir, const char *name)
{
    if (!dir || !*dir || name[0] == '/')
        snprintf(out, size, "%s", name);
    else if (dir[strlen(dir) - 1] == '/')
        snprintf(out, size, "%s%s", dir, name);
    else
        snprintf(out, size, "%s/%s", dir, name);
}

nt_status nt_file_sha256(const char *path, char hex[65], nt_error *err)
{
    return nt_file_sha256_from(path, 0, hex, err);
}

nt_status nt_file_sha256_from(const char *path, long offset, char hex[65], nt_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot open: %s", strerror(errno));
    if (offset > 0 && fseek(fp, offset, SEEK_SET) != 0) {
        fclose(fp);
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot seek to byte %ld", offset);
    }
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    unsigned char *buf = malloc(1 << 20);
    if (!buf) { fclose(fp); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    size_t n;
    while ((n = fread(buf, 1, 1 << 20, fp)) > 0) sha256_update(&ctx, n, buf);
    int bad = ferror(fp);
    fclose(fp);
    free(buf);
    if (bad) return nt_fail_at(err, NT_EIO, path, 0, NULL, "read error");
    uint8_t dig[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof dig, dig);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) snprintf(hex + 2 * i, 3, "%02x", dig[i]);
    return NT_OK;
}
