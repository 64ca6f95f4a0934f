/* sim_vfs.c - the virtual file system's namespace: a path-sorted array of
 * nodes (listings come out in order, lookup is a binary search), path
 * normalisation, and the operations FTP needs (mkdir, remove, rename). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_vfs.h"

static uint64_t path_seed(uint64_t seed, const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (const char *c = path; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
	return h ? h : 1;
}

/* Index of path, or -(insertion point) - 1. */
static long find(const struct sim_vfs *v, const char *path)
{
	size_t lo = 0, hi = v->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v->n[mid].path, path);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

struct sim_vfs_node *sim_vfs_lookup(const struct sim_vfs *v, const char *path)
{
	long i = find(v, path);

	return i >= 0 ? &v->n[i] : NULL;
}

static int insert(struct sim_vfs *v, const char *path, enum sim_vfs_kind kind,
		  struct sim_vfs_node **out)
{
	long i = find(v, path);
	size_t at;

	if (i >= 0) {
		*out = &v->n[i];
		return -EEXIST;
	}
	at = (size_t)(-i - 1);
	if (v->len == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct sim_vfs_node *n = realloc(v->n, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		v->n = n;
		v->cap = cap;
	}
	memmove(&v->n[at + 1], &v->n[at], (v->len - at) * sizeof(*v->n));
	v->len++;
	memset(&v->n[at], 0, sizeof(v->n[at]));
	strcpy(v->n[at].path, path); /* callers pass resolved paths: bounded */
	v->n[at].kind = kind;
	v->n[at].mtime = v->mtime;
	*out = &v->n[at];
	return 0;
}

int sim_vfs_init(struct sim_vfs *v, uint64_t seed)
{
	struct sim_vfs_node *root;

	memset(v, 0, sizeof(*v));
	v->seed = seed;
	v->mtime = 1700000000; /* fixed, so listings are reproducible */
	return insert(v, "/", SIM_VFS_DIR, &root);
}

void sim_vfs_free(struct sim_vfs *v)
{
	free(v->n);
	memset(v, 0, sizeof(*v));
}

int sim_vfs_resolve(const char *cwd, const char *path, size_t len, char *out)
{
	size_t o = 0, i = 0, cl = 0;

	if (len && path[0] != '/' && cwd) {
		cl = strnlen(cwd, SIM_VFS_MAX_PATH);
		if (cl == SIM_VFS_MAX_PATH)
			return -ENAMETOOLONG;
	}
	/* components of cwd (if relative), then of path, through one stack */
	out[0] = '/';
	o = 1;
	for (int pass = 0; pass < 2; pass++) {
		const char *s = pass == 0 ? cwd : path;
		size_t n = pass == 0 ? cl : len;

		i = 0;
		while (i < n) {
			size_t st, cn;

			while (i < n && s[i] == '/')
				i++;
			st = i;
			while (i < n && s[i] != '/') {
				if (s[i] == '\0' || s[i] == '\r' || s[i] == '\n')
					return -EINVAL;
				i++;
			}
			cn = i - st;
			if (cn == 0 || (cn == 1 && s[st] == '.'))
				continue;
			if (cn == 2 && s[st] == '.' && s[st + 1] == '.') {
				while (o > 1 && out[o - 1] != '/')
					o--;
				if (o > 1)
					o--; /* the '/' before the dropped component */
				continue;
			}
			if (o + (o > 1) + cn >= SIM_VFS_MAX_PATH)
				return -ENAMETOOLONG;
			if (o > 1)
				out[o++] = '/';
			memcpy(out + o, s + st, cn);
			o += cn;
		}
	}
	out[o] = '\0';
	return 0;
}

static void parent_of(const char *path, char *out)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n == 0)
		n = 1; /* the root */
	memcpy(out, path, n);
	out[n] = '\0';
}

static int mkdir_p(struct sim_vfs *v, const char *path)
{
	char parent[SIM_VFS_MAX_PATH];
	struct sim_vfs_node *n;
	int rc;

	if (strcmp(path, "/") == 0)
		return 0;
	n = sim_vfs_lookup(v, path);
	if (n)
		return n->kind == SIM_VFS_DIR ? 0 : -ENOTDIR;
	parent_of(path, parent);
	if ((rc = mkdir_p(v, parent)) < 0)
		return rc;
	return insert(v, path, SIM_VFS_DIR, &n);
}

static int add_file(struct sim_vfs *v, const char *path, uint64_t size, uint64_t seed,
		    struct sim_vfs_node **out)
{
	char p[SIM_VFS_MAX_PATH], parent[SIM_VFS_MAX_PATH];
	struct sim_vfs_node *n;
	int rc;

	if ((rc = sim_vfs_resolve("/", path, strlen(path), p)) < 0)
		return rc;
	if (strcmp(p, "/") == 0)
		return -EISDIR;
	parent_of(p, parent);
	if ((rc = mkdir_p(v, parent)) < 0)
		return rc;
	rc = insert(v, p, SIM_VFS_FILE, &n);
	if (rc == -EEXIST && n->kind == SIM_VFS_DIR)
		return -EISDIR;
	if (rc < 0 && rc != -EEXIST)
		return rc;
	n->size = size;
	n->seed = seed;
	n->generated = true;
	n->uploaded = false;
	n->hash_valid = false;
	*out = n;
	return 0;
}

int sim_vfs_add_file_seed(struct sim_vfs *v, const char *path, uint64_t size, uint64_t seed)
{
	struct sim_vfs_node *n;

	return add_file(v, path, size, seed, &n);
}

int sim_vfs_add_file(struct sim_vfs *v, const char *path, uint64_t size)
{
	char p[SIM_VFS_MAX_PATH];
	int rc;

	if ((rc = sim_vfs_resolve("/", path, strlen(path), p)) < 0)
		return rc;
	return sim_vfs_add_file_seed(v, p, size, path_seed(v->seed, p));
}

int sim_vfs_mkdir(struct sim_vfs *v, const char *path)
{
	char p[SIM_VFS_MAX_PATH];
	int rc;

	if ((rc = sim_vfs_resolve("/", path, strlen(path), p)) < 0)
		return rc;
	if (sim_vfs_lookup(v, p))
		return -EEXIST;
	return mkdir_p(v, p);
}

int sim_vfs_record_upload(struct sim_vfs *v, const char *path, uint64_t size, uint64_t hash,
			  uint64_t seed_hint)
{
	struct sim_vfs_node *n;
	int rc;

	if ((rc = add_file(v, path, size, seed_hint, &n)) < 0)
		return rc;
	n->uploaded = true;
	n->hash = hash;
	n->hash_valid = true;
	/* generated bytes can be served again; anything else is size + hash only */
	n->generated = size >= 8 && sim_vfs_gen_hash(seed_hint, 0, size) == hash;
	return 0;
}

static bool is_below(const char *path, const char *dir)
{
	size_t dl = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[0] == '/' && path[1] != '\0';
	return strncmp(path, dir, dl) == 0 && path[dl] == '/';
}

int sim_vfs_remove(struct sim_vfs *v, const char *path)
{
	long i = find(v, path);

	if (i < 0)
		return -ENOENT;
	if (strcmp(path, "/") == 0)
		return -EBUSY;
	if (v->n[i].kind == SIM_VFS_DIR && (size_t)i + 1 < v->len &&
	    is_below(v->n[i + 1].path, path))
		return -ENOTEMPTY;
	memmove(&v->n[i], &v->n[i + 1], (v->len - (size_t)i - 1) * sizeof(*v->n));
	v->len--;
	return 0;
}

static int cmp_node(const void *a, const void *b)
{
	return strcmp(((const struct sim_vfs_node *)a)->path,
		      ((const struct sim_vfs_node *)b)->path);
}

int sim_vfs_rename(struct sim_vfs *v, const char *from, const char *to)
{
	char parent[SIM_VFS_MAX_PATH];
	size_t fl = strlen(from), tl = strlen(to);
	struct sim_vfs_node *pn;

	if (!sim_vfs_lookup(v, from))
		return -ENOENT;
	if (strcmp(from, "/") == 0 || is_below(to, from))
		return -EINVAL;
	if (sim_vfs_lookup(v, to))
		return -EEXIST;
	parent_of(to, parent);
	pn = sim_vfs_lookup(v, parent);
	if (!pn || pn->kind != SIM_VFS_DIR)
		return -ENOENT;
	for (size_t i = 0; i < v->len; i++) {
		char *p = v->n[i].path;

		if (strcmp(p, from) != 0 && !is_below(p, from))
			continue;
		if (tl + strlen(p) - fl >= SIM_VFS_MAX_PATH)
			return -ENAMETOOLONG;
	}
	for (size_t i = 0; i < v->len; i++) {
		char *p = v->n[i].path, rest[SIM_VFS_MAX_PATH];

		if (strcmp(p, from) != 0 && !is_below(p, from))
			continue;
		strcpy(rest, p + fl);
		memcpy(p, to, tl);
		strcpy(p + tl, rest);
	}
	qsort(v->n, v->len, sizeof(*v->n), cmp_node);
	return 0;
}

int sim_vfs_list(const struct sim_vfs *v, const char *dir,
		 void (*fn)(void *ctx, const struct sim_vfs_node *child), void *ctx)
{
	const struct sim_vfs_node *d = sim_vfs_lookup(v, dir);
	size_t dl = strlen(dir);
	int count = 0;

	if (!d)
		return -ENOENT;
	if (d->kind != SIM_VFS_DIR)
		return -ENOTDIR;
	for (size_t i = 0; i < v->len; i++) {
		const char *p = v->n[i].path;

		if (!is_below(p, dir))
			continue;
		if (strchr(p + (dl == 1 ? 1 : dl + 1), '/'))
			continue; /* a grandchild */
		if (fn)
			fn(ctx, &v->n[i]);
		count++;
	}
	return count;
}

const char *sim_vfs_basename(const struct sim_vfs_node *node)
{
	const char *slash = strrchr(node->path, '/');

	return node->path[1] == '\0' ? node->path : slash + 1;
}

int sim_vfs_read(const struct sim_vfs_node *f, uint64_t off, uint8_t *dst, size_t len)
{
	if (f->kind != SIM_VFS_FILE)
		return -EISDIR;
	if (!f->generated)
		return -ENOENT;
	if (off > f->size || len > f->size - off)
		return -ERANGE;
	sim_vfs_gen_fill(f->seed, off, dst, len);
	return 0;
}

int sim_vfs_file_hash(struct sim_vfs_node *f, uint64_t off, uint64_t *hash)
{
	if (f->kind != SIM_VFS_FILE)
		return -EISDIR;
	if (off > f->size)
		return -ERANGE;
	if (off == 0 && f->hash_valid) {
		*hash = f->hash;
		return 0;
	}
	if (!f->generated)
		return -ENOENT;
	*hash = sim_vfs_gen_hash(f->seed, off, f->size - off);
	if (off == 0) {
		f->hash = *hash;
		f->hash_valid = true;
	}
	return 0;
}
