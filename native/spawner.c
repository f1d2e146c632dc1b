/*
 * drover-spawner: the shell runtime's spawner (src/runtime/shell/spawner.ts) as a small native
 * program. It does what the Node.js spawner program (spawner-program.ts) does, with the same
 * reports, but each fork copies the page tables of a process of about 1 MB instead of a Node.js
 * process of about 50 MB, and does not block an event loop meanwhile: starting a process costs
 * about half as much here.
 *
 * Requests, one per line on stdin, fields separated by tabs; in a field a backslash escapes
 * `\\`, `\t`, `\n` and `\0` (native-spawner.ts encodes them):
 *   run  <id> <command> <argc> <arg>... <envc> <NAME=value>... <uid|""> <gid|"">
 *        <dir> <output path> <progress path> <entrypoint path> <script>
 *        <filec> (<path> <contents> <1 if it needs parent dirs, else 0>)... <namec> <name>...
 *        <1 to read the results, else 0>
 *   kill <id>
 * Reports, one JSON object per line on stdout, as spawner-program.ts sends them.
 * When stdin closes, every process group still running is killed and the program exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* How long output is still read after the leader exited (as in process-group.ts). */
#define DRAIN_LIMIT_MS 2000
/* The pid goes with the first output, or this long after the start (most tasks are over by then). */
#define PID_REPORT_DELAY_MS 20
#define READ_CHUNK 65536

/* ---- growable byte buffer ------------------------------------------------------------------ */

typedef struct {
  char *data;
  size_t len, cap;
} buf_t;

static void die(const char *what) {
  fprintf(stderr, "drover-spawner: %s: %s\n", what, strerror(errno));
  exit(70);
}

static void buf_reserve(buf_t *b, size_t extra) {
  if (b->len + extra <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra) cap *= 2;
  char *data = realloc(b->data, cap);
  if (!data) die("out of memory");
  b->data = data;
  b->cap = cap;
}

static void buf_add(buf_t *b, const char *s, size_t n) {
  buf_reserve(b, n);
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

static void buf_str(buf_t *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_fmt(buf_t *b, const char *fmt, long long v) {
  char tmp[64];
  int n = snprintf(tmp, sizeof tmp, fmt, v);
  buf_add(b, tmp, (size_t)n);
}

/* ---- JSON strings ---------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1–4), 0 if invalid, -1 if cut short by the end. */
static int utf8_seq(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  int len;
  unsigned int min;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) len = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef) len = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4) len = 4, min = 0x10000;
  else return 0;
  unsigned int cp = c & (0xff >> (len + 1));
  for (int i = 1; i < len; i++) {
    if ((size_t)i >= n) return -1;
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

/*
 * Append `s` as the inside of a JSON string; invalid UTF-8 becomes U+FFFD, as Node.js decodes it.
 * With `keep`, an incomplete sequence at the end is not written: its length is returned, for the
 * caller to prepend to the next chunk.
 */
static size_t json_chars(buf_t *b, const char *s, size_t n, int keep) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    unsigned char c = u[i];
    if (c >= 0x80) {
      int len = utf8_seq(u + i, n - i);
      if (len < 0 && keep) return n - i;
      if (len <= 0) {
        buf_str(b, "\\ufffd");
        i++;
      } else {
        buf_add(b, s + i, (size_t)len);
        i += (size_t)len;
      }
      continue;
    }
    if (c == '"') buf_str(b, "\\\"");
    else if (c == '\\') buf_str(b, "\\\\");
    else if (c == '\n') buf_str(b, "\\n");
    else if (c == '\r') buf_str(b, "\\r");
    else if (c == '\t') buf_str(b, "\\t");
    else if (c < 0x20 || c == 0x7f) buf_fmt(b, "\\u%04llx", c);
    else buf_add(b, s + i, 1);
    i++;
  }
  return 0;
}

static void json_string(buf_t *b, const char *s, size_t n) {
  buf_str(b, "\"");
  json_chars(b, s, n, 0);
  buf_str(b, "\"");
}

/* One report line to stdout. A parent that went away ends this program (EPIPE). */
static void send_report(buf_t *b) {
  buf_str(b, "}\n");
  size_t off = 0;
  while (off < b->len) {
    ssize_t w = write(STDOUT_FILENO, b->data + off, b->len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      exit(0);
    }
    off += (size_t)w;
  }
  b->len = 0;
}

static const char *errno_code(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOEXEC: return "ENOEXEC";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case E2BIG: return "E2BIG";
    case ENOMEM: return "ENOMEM";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EINVAL: return "EINVAL";
    case EAGAIN: return "EAGAIN";
    case ETXTBSY: return "ETXTBSY";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EEXIST: return "EEXIST";
    case ENOSPC: return "ENOSPC";
    case EROFS: return "EROFS";
    case EIO: return "EIO";
    default: return "UNKNOWN";
  }
}

static const char *signal_name(int sig) {
  switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    case SIGSYS: return "SIGSYS";
    default: return NULL;
  }
}

/* ---- runs ------------------------------------------------------------------------------------ */

typedef struct run {
  long id;
  pid_t pid;
  int fds[2];        /* stdout, stderr read ends; -1 once closed */
  char pending[2][4]; /* the start of a UTF-8 sequence cut by the end of a read, per stream */
  size_t npending[2];
  int pid_reported, exited, code, sig;
  long long started_ms, exited_ms;
  char *dir, *output_path, *progress_path;
  char **names;
  int nnames, read_results;
  struct run *next;
} run_t;

static run_t *runs;
static int sigchld_pipe[2];

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void kill_group(pid_t pid) {
  if (pid > 0) kill(-pid, SIGKILL);
}

static void free_run(run_t *r) {
  run_t **p = &runs;
  while (*p && *p != r) p = &(*p)->next;
  if (*p) *p = r->next;
  for (int i = 0; i < 2; i++)
    if (r->fds[i] >= 0) close(r->fds[i]);
  free(r->dir);
  free(r->output_path);
  free(r->progress_path);
  for (int i = 0; i < r->nnames; i++) free(r->names[i]);
  free(r->names);
  free(r);
}

static void report_error(long id, const char *stage, const char *message) {
  buf_t b = {0};
  buf_fmt(&b, "{\"ev\":\"error\",\"id\":%lld", id);
  buf_str(&b, ",\"stage\":\"");
  buf_str(&b, stage);
  buf_str(&b, "\",\"message\":");
  json_string(&b, message, strlen(message));
  send_report(&b);
  free(b.data);
}

/* ---- the work dir -------------------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)st, (void)type, (void)ftw;
  remove(path);
  return 0;
}

static void remove_tree(const char *dir) { nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* Node.js's wording of a failed file system call: "EEXIST: file exists, mkdir '/tmp/x'". */
static void fs_error(char *out, size_t size, const char *syscall, const char *path) {
  int e = errno;
  char text[128];
  snprintf(text, sizeof text, "%s", strerror(e));
  if (text[0] >= 'A' && text[0] <= 'Z') text[0] = (char)(text[0] - 'A' + 'a');
  snprintf(out, size, "%s: %s, %s '%s'", errno_code(e), text, syscall, path);
}

static int write_file(const char *path, const char *data, size_t len, mode_t mode, char *err, size_t errsize) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    fs_error(err, errsize, "open", path);
    return -1;
  }
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fd, data + off, len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      fs_error(err, errsize, "write", path);
      close(fd);
      return -1;
    }
    off += (size_t)w;
  }
  close(fd);
  return 0;
}

static int make_parents(char *path, char *err, size_t errsize) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    int failed = mkdir(path, 0777) < 0 && errno != EEXIST;
    if (failed) fs_error(err, errsize, "mkdir", path);
    *p = '/';
    if (failed) return -1;
  }
  return 0;
}

/* ---- request fields ---------------------------------------------------------------------- */

typedef struct {
  char **v;
  size_t *len;
  int n, at;
  int bad; /* a field was missing or malformed */
} fields_t;

/* Split a request line in place into unescaped fields. */
static void split_fields(char *line, fields_t *f) {
  int cap = 16;
  f->v = malloc(sizeof(char *) * cap);
  f->len = malloc(sizeof(size_t) * cap);
  f->n = f->at = f->bad = 0;
  char *start = line;
  for (;;) {
    char *src = start, *dst = start;
    while (*src && *src != '\t') {
      if (*src == '\\' && src[1]) {
        src++;
        *dst++ = *src == 't' ? '\t' : *src == 'n' ? '\n' : *src == '0' ? '\0' : *src;
        src++;
      } else {
        *dst++ = *src++;
      }
    }
    int last = *src == '\0';
    *dst = '\0';
    if (f->n == cap) {
      cap *= 2;
      f->v = realloc(f->v, sizeof(char *) * cap);
      f->len = realloc(f->len, sizeof(size_t) * cap);
      if (!f->v || !f->len) die("out of memory");
    }
    f->v[f->n] = start;
    f->len[f->n] = (size_t)(dst - start);
    f->n++;
    if (last) break;
    start = src + 1;
  }
}

static char *next_field(fields_t *f, size_t *len) {
  if (f->at >= f->n) {
    f->bad = 1;
    if (len) *len = 0;
    return "";
  }
  if (len) *len = f->len[f->at];
  return f->v[f->at++];
}

static long next_number(fields_t *f) {
  char *end;
  char *s = next_field(f, NULL);
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < 0) f->bad = 1;
  return v;
}

/* A string that must not hold NUL: execve would cut it short. */
static char *next_cstring(fields_t *f, int *has_nul) {
  size_t len;
  char *s = next_field(f, &len);
  if (strlen(s) != len) *has_nul = 1;
  return s;
}

/* ---- run ------------------------------------------------------------------------------------- */

static void reset_child_signals(void) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
}

static void start_run(fields_t *f) {
  char err[PATH_MAX + 256];
  int has_nul = 0;
  long id = next_number(f);
  char *command = next_cstring(f, &has_nul);
  long argc = next_number(f);
  if (f->bad || argc > f->n) return;
  char **argv = calloc((size_t)argc + 2, sizeof(char *));
  argv[0] = command;
  for (long i = 0; i < argc; i++) argv[i + 1] = next_cstring(f, &has_nul);
  long envc = next_number(f);
  if (f->bad || envc > f->n) {
    free(argv);
    return;
  }
  char **envp = calloc((size_t)envc + 1, sizeof(char *));
  for (long i = 0; i < envc; i++) envp[i] = next_cstring(f, &has_nul);
  char *uid_s = next_field(f, NULL), *gid_s = next_field(f, NULL);
  int set_uid = *uid_s != '\0', set_gid = *gid_s != '\0';
  uid_t uid = (uid_t)strtoul(uid_s, NULL, 10);
  gid_t gid = (gid_t)strtoul(gid_s, NULL, 10);

  run_t *r = calloc(1, sizeof(run_t));
  r->id = id;
  r->fds[0] = r->fds[1] = -1;
  r->dir = strdup(next_field(f, NULL));
  r->output_path = strdup(next_field(f, NULL));
  r->progress_path = strdup(next_field(f, NULL));
  char *entrypoint = next_field(f, NULL);
  size_t script_len;
  char *script = next_field(f, &script_len);
  long filec = next_number(f);
  if (f->bad || filec > f->n) {
    free(argv), free(envp), free_run(r);
    return;
  }

  /* The work dir, as spawner-program.ts creates it. */
  if (mkdir(r->dir, 0700) < 0) {
    fs_error(err, sizeof err, "mkdir", r->dir);
    report_error(id, "workdir", err);
    free(argv), free(envp), free_run(r);
    return;
  }
  int failed = write_file(r->output_path, "", 0, 0606, err, sizeof err) < 0 ||
               write_file(r->progress_path, "", 0, 0606, err, sizeof err) < 0 ||
               write_file(entrypoint, script, script_len, 0555, err, sizeof err) < 0;
  for (long i = 0; i < filec; i++) {
    char *path = next_field(f, NULL);
    size_t len;
    char *contents = next_field(f, &len);
    int nested = next_number(f) == 1;
    if (failed) continue;
    failed = (nested && make_parents(path, err, sizeof err) < 0) || write_file(path, contents, len, 0444, err, sizeof err) < 0;
  }
  if (!failed && (set_uid || set_gid)) {
    const char *owned[] = {r->dir, r->output_path, r->progress_path};
    for (int i = 0; i < 3 && !failed; i++) {
      if (chown(owned[i], set_uid ? uid : (uid_t)-1, set_gid ? gid : (gid_t)-1) < 0) {
        fs_error(err, sizeof err, "chown", owned[i]);
        failed = 1;
      }
    }
  }
  if (failed) {
    remove_tree(r->dir);
    report_error(id, "workdir", err);
    free(argv), free(envp), free_run(r);
    return;
  }
  r->nnames = (int)next_number(f);
  if (f->bad || r->nnames > f->n) r->nnames = 0;
  r->names = calloc((size_t)r->nnames + 1, sizeof(char *));
  for (int i = 0; i < r->nnames; i++) r->names[i] = strdup(next_field(f, NULL));
  r->read_results = next_number(f) == 1;
  if (f->bad || has_nul) {
    snprintf(err, sizeof err, "spawn %s EINVAL", command);
    report_error(id, "spawn", err);
    free(argv), free(envp), free_run(r);
    return;
  }

  /* The process: leader of its own group, in the work dir, stdin from /dev/null. */
  int out[2] = {-1, -1}, errp[2] = {-1, -1}, status[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0) {
    snprintf(err, sizeof err, "spawn %s %s", command, errno_code(errno));
    for (int i = 0; i < 2; i++) close(out[i]), close(errp[i]), close(status[i]);
    report_error(id, "spawn", err);
    free(argv), free(envp), free_run(r);
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    int e = 0;
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (setsid() < 0 || devnull < 0 || dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(errp[1], 2) < 0) e = errno;
    if (!e && chdir(r->dir) < 0) e = errno;
    /* As libuv does: no supplementary groups once the ids change. */
    if (!e && (set_uid || set_gid) && setgroups(0, NULL) < 0 && errno != EPERM) e = errno;
    if (!e && set_gid && setgid(gid) < 0) e = errno;
    if (!e && set_uid && setuid(uid) < 0) e = errno;
    if (!e) {
      reset_child_signals();
      environ = envp;
      execvp(command, argv);
      e = errno;
    }
    while (write(status[1], &e, sizeof e) < 0 && errno == EINTR) {
    }
    _exit(127);
  }
  int fork_errno = errno;
  close(out[1]), close(errp[1]), close(status[1]);
  int child_errno = 0;
  if (pid < 0) {
    child_errno = fork_errno;
  } else {
    /* Blocks until the exec (the pipe closes) or its failure: the time a fork takes. */
    ssize_t n;
    do n = read(status[0], &child_errno, sizeof child_errno);
    while (n < 0 && errno == EINTR);
    if (n <= 0) child_errno = 0;
  }
  close(status[0]);
  free(argv);
  free(envp);
  if (child_errno) {
    if (pid > 0) waitpid(pid, NULL, 0);
    close(out[0]), close(errp[0]);
    snprintf(err, sizeof err, "spawn %s %s", command, errno_code(child_errno));
    /* The work dir stays: the engine removes it, as after the Node.js spawner's spawn error. */
    report_error(id, "spawn", err);
    free_run(r);
    return;
  }
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(errp[0], F_SETFL, O_NONBLOCK);
  r->pid = pid;
  r->fds[0] = out[0];
  r->fds[1] = errp[0];
  r->started_ms = now_ms();
  r->next = runs;
  runs = r;
}

/* ---- results and the end of a run --------------------------------------------------------- */

/* A result file: its text, "" for an empty one (not opened), NULL when gone; -1 on other errors. */
static int read_result(const char *path, buf_t *into, int *present) {
  struct stat st;
  *present = 0;
  if (stat(path, &st) < 0) return errno == ENOENT ? 0 : -1;
  *present = 1;
  if (st.st_size == 0) return 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *present = 0;
    return errno == ENOENT ? 0 : -1;
  }
  char chunk[READ_CHUNK];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return -1;
    }
    if (n == 0) break;
    buf_add(into, chunk, (size_t)n);
  }
  close(fd);
  return 0;
}

static void finish_run(run_t *r) {
  buf_t b = {0};
  buf_fmt(&b, "{\"ev\":\"exit\",\"id\":%lld", r->id);
  if (r->sig) {
    const char *name = signal_name(r->sig);
    buf_str(&b, ",\"code\":null,\"signal\":");
    if (name) {
      buf_str(&b, "\"");
      buf_str(&b, name);
      buf_str(&b, "\"");
    } else {
      buf_str(&b, "null");
    }
  } else {
    buf_fmt(&b, ",\"code\":%lld,\"signal\":null", r->code);
  }
  buf_t output = {0}, progress = {0};
  int has_output = 0, has_progress = 0, failed = 0;
  if (r->read_results) {
    failed = read_result(r->output_path, &output, &has_output) < 0 ||
             read_result(r->progress_path, &progress, &has_progress) < 0;
  }
  /* Without `finished` the engine reads and removes the work dir itself. */
  if (!failed) {
    int removed = 1;
    for (int i = 0; i < r->nnames; i++) {
      size_t n = strlen(r->dir) + strlen(r->names[i]) + 2;
      char *path = malloc(n);
      snprintf(path, n, "%s/%s", r->dir, r->names[i]);
      if (unlink(path) < 0) removed = 0;
      free(path);
    }
    if (!removed || rmdir(r->dir) < 0) remove_tree(r->dir);
    buf_str(&b, ",\"finished\":{\"output\":");
    if (has_output) json_string(&b, output.data ? output.data : "", output.len);
    else buf_str(&b, "null");
    buf_str(&b, ",\"progress\":");
    if (has_progress) json_string(&b, progress.data ? progress.data : "", progress.len);
    else buf_str(&b, "null");
    buf_str(&b, "}");
  }
  send_report(&b);
  free(b.data);
  free(output.data);
  free(progress.data);
  free_run(r);
}

/* Relay what a process wrote; at the end of a stream, close it. */
static void relay_output(run_t *r, int stream) {
  char chunk[READ_CHUNK + 4];
  size_t kept = r->npending[stream];
  memcpy(chunk, r->pending[stream], kept);
  ssize_t n = read(r->fds[stream], chunk + kept, READ_CHUNK);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  int eof = n <= 0;
  size_t len = kept + (n > 0 ? (size_t)n : 0);
  r->npending[stream] = 0;
  if (len > 0) {
    buf_t data = {0};
    size_t cut = json_chars(&data, chunk, len, !eof);
    memcpy(r->pending[stream], chunk + len - cut, cut);
    r->npending[stream] = cut;
    /* Nothing but a cut sequence: wait for the rest of it. */
    if (data.len > 0) {
      buf_t b = {0};
      buf_fmt(&b, "{\"ev\":\"out\",\"id\":%lld,\"data\":\"", r->id);
      buf_add(&b, data.data, data.len);
      buf_str(&b, "\"");
      if (!r->pid_reported) {
        buf_fmt(&b, ",\"pid\":%lld", r->pid);
        r->pid_reported = 1;
      }
      send_report(&b);
      free(b.data);
    }
    free(data.data);
  }
  if (eof) {
    close(r->fds[stream]);
    r->fds[stream] = -1;
  }
}

static void reap_children(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (run_t *r = runs; r; r = r->next) {
      if (r->pid != pid || r->exited) continue;
      r->exited = 1;
      r->exited_ms = now_ms();
      if (WIFSIGNALED(status)) r->sig = WTERMSIG(status);
      else r->code = WEXITSTATUS(status);
      /* Nothing the task started outlives it. */
      kill_group(pid);
      break;
    }
  }
}

static void on_sigchld(int sig) {
  (void)sig;
  int saved = errno;
  char c = 0;
  (void)!write(sigchld_pipe[1], &c, 1);
  errno = saved;
}

/* ---- main loop ---------------------------------------------------------------------------- */

static void handle_line(char *line) {
  fields_t f;
  split_fields(line, &f);
  char *op = next_field(&f, NULL);
  if (strcmp(op, "run") == 0) {
    start_run(&f);
  } else if (strcmp(op, "kill") == 0) {
    long id = next_number(&f);
    for (run_t *r = runs; r; r = r->next)
      if (r->id == id && !r->exited) kill_group(r->pid);
  }
  free(f.v);
  free(f.len);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) < 0) die("pipe");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigchld;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);

  buf_t input = {0};
  size_t scanned = 0;
  int stdin_open = 1;
  struct pollfd *pfds = NULL;
  run_t **owners = NULL;
  int *streams = NULL;
  size_t pcap = 0;

  while (stdin_open || runs) {
    size_t count = 2;
    for (run_t *r = runs; r; r = r->next) count += 2;
    if (count > pcap) {
      pcap = count * 2;
      pfds = realloc(pfds, sizeof(struct pollfd) * pcap);
      owners = realloc(owners, sizeof(run_t *) * pcap);
      streams = realloc(streams, sizeof(int) * pcap);
      if (!pfds || !owners || !streams) die("out of memory");
    }
    size_t n = 0;
    pfds[n++] = (struct pollfd){.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN};
    pfds[n++] = (struct pollfd){.fd = sigchld_pipe[0], .events = POLLIN};
    long long now = now_ms(), wake = -1;
    for (run_t *r = runs; r; r = r->next) {
      for (int s = 0; s < 2; s++) {
        if (r->fds[s] < 0) continue;
        owners[n] = r;
        streams[n] = s;
        pfds[n++] = (struct pollfd){.fd = r->fds[s], .events = POLLIN};
      }
      long long due = r->exited ? r->exited_ms + DRAIN_LIMIT_MS : r->pid_reported ? -1 : r->started_ms + PID_REPORT_DELAY_MS;
      if (due >= 0 && (wake < 0 || due < wake)) wake = due;
    }
    int timeout = wake < 0 ? -1 : (int)(wake > now ? wake - now : 0);
    if (poll(pfds, n, timeout) < 0 && errno != EINTR) die("poll");

    if (pfds[1].revents) {
      char drain[64];
      while (read(sigchld_pipe[0], drain, sizeof drain) > 0) {
      }
    }
    reap_children();
    for (size_t i = 2; i < n; i++)
      if (pfds[i].revents) relay_output(owners[i], streams[i]);

    if (pfds[0].revents) {
      buf_reserve(&input, READ_CHUNK);
      ssize_t got = read(STDIN_FILENO, input.data + input.len, READ_CHUNK);
      if (got > 0) {
        input.len += (size_t)got;
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        /* The engine went away (closed us, or died): nothing we started may outlive it. */
        stdin_open = 0;
        for (run_t *r = runs; r; r = r->next)
          if (!r->exited) kill_group(r->pid);
        return 0;
      }
      for (;;) {
        char *nl = memchr(input.data + scanned, '\n', input.len - scanned);
        if (!nl) {
          scanned = input.len;
          break;
        }
        *nl = '\0';
        handle_line(input.data);
        size_t rest = input.len - (size_t)(nl + 1 - input.data);
        memmove(input.data, nl + 1, rest);
        input.len = rest;
        scanned = 0;
      }
    }

    now = now_ms();
    run_t *r = runs;
    while (r) {
      run_t *next = r->next;
      if (!r->exited && !r->pid_reported && now >= r->started_ms + PID_REPORT_DELAY_MS) {
        buf_t b = {0};
        buf_fmt(&b, "{\"ev\":\"pid\",\"id\":%lld", r->id);
        buf_fmt(&b, ",\"pid\":%lld", r->pid);
        send_report(&b);
        free(b.data);
        r->pid_reported = 1;
      }
      if (r->exited && now >= r->exited_ms + DRAIN_LIMIT_MS) {
        /* Something still holds the output open (a process that left the group): stop reading. */
        for (int s = 0; s < 2; s++)
          if (r->fds[s] >= 0) close(r->fds[s]), r->fds[s] = -1;
      }
      if (r->exited && r->fds[0] < 0 && r->fds[1] < 0) finish_run(r);
      r = next;
    }
  }
  return 0;
}
