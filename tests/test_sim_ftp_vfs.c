/* test_sim_ftp_vfs.c - the FTP models' VFS: content pure in (seed, offset),
 * hash independent of chunking (against a reference), path normalisation,
 * listing order, mkdir, remove, rename, uploads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/sim_vfs.h"
#include "tu.h"

/* A byte-at-a-time reference of the hash's definition. */
static uint64_t ref_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		uint64_t w = 0;

		for (unsigned k = 0; k < 8; k++)
			w |= (uint64_t)p[i + k] << (8 * k);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (h ^ n) * 0x100000001b3ULL;
}

static void test_gen_pure_function_of_offset(void)
{
	static uint8_t whole[10007], part[10007];
	uint64_t st = 5;

	sim_vfs_gen_fill(0x1234, 0, whole, sizeof(whole));
	/* the first word names the seed */
	CU_ASSERT(whole[0] == 0x34 && whole[1] == 0x12 && whole[2] == 0 && whole[7] == 0);
	for (int trial = 0; trial < 200; trial++) {
		size_t off = (size_t)(tu_rand(&st) % sizeof(whole));
		size_t len = (size_t)(tu_rand(&st) % (sizeof(whole) - off + 1));

		sim_vfs_gen_fill(0x1234, off, part, len);
		CU_ASSERT(memcmp(part, whole + off, len) == 0);
	}
	sim_vfs_gen_fill(0x1235, 0, part, sizeof(part));
	CU_ASSERT(memcmp(part + 8, whole + 8, sizeof(whole) - 8) != 0);
}

static void test_hash_chunking(void)
{
	static uint8_t buf[70001];
	struct sim_vfs_hash hs;
	uint64_t st = 9, whole;

	sim_vfs_gen_fill(77, 3, buf, sizeof(buf));
	whole = ref_hash(buf, sizeof(buf));
	CU_ASSERT(sim_vfs_gen_hash(77, 3, sizeof(buf)) == whole);
	for (int trial = 0; trial < 50; trial++) {
		size_t o = 0;

		sim_vfs_hash_init(&hs);
		while (o < sizeof(buf)) {
			size_t n = (size_t)(tu_rand(&st) % 20) + 1;

			if (n > sizeof(buf) - o)
				n = sizeof(buf) - o;
			sim_vfs_hash_update(&hs, buf + o, n);
			o += n;
		}
		CU_ASSERT(sim_vfs_hash_final(&hs) == whole);
	}
	/* a zero tail and no tail differ; one changed byte changes the hash */
	CU_ASSERT(ref_hash(buf, 10) != ref_hash(buf, 9));
	buf[500] ^= 1;
	CU_ASSERT(ref_hash(buf, sizeof(buf)) != whole);
	sim_vfs_hash_init(&hs);
	CU_ASSERT(sim_vfs_hash_final(&hs) == ref_hash(buf, 0));
}

static void test_resolve(void)
{
	static const struct {
		const char *cwd, *path, *want;
		int rc;
	} t[] = {
		{"/", "a/b", "/a/b", 0},
		{"/pub", "x.bin", "/pub/x.bin", 0},
		{"/pub", "/etc//passwd", "/etc/passwd", 0},
		{"/pub/sub", "..", "/pub", 0},
		{"/pub", "../../../..", "/", 0},
		{"/pub", "./a/./b/../c/", "/pub/a/c", 0},
		{"/", "", "/", 0},
		{"/", ".", "/", 0},
		{"/", "a\r\nDELE x", NULL, -EINVAL},
	};
	char out[SIM_VFS_MAX_PATH], longp[600];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = sim_vfs_resolve(t[i].cwd, t[i].path, strlen(t[i].path), out);

		CU_ASSERT(rc == t[i].rc);
		if (rc == 0 && t[i].want)
			CU_ASSERT_STRING_EQUAL(out, t[i].want);
	}
	/* not NUL-terminated: only len bytes are read */
	CU_ASSERT(sim_vfs_resolve("/", "abcdef", 3, out) == 0);
	CU_ASSERT_STRING_EQUAL(out, "/abc");
	memset(longp, 'a', sizeof(longp));
	CU_ASSERT(sim_vfs_resolve("/", longp, sizeof(longp), out) == -ENAMETOOLONG);
	CU_ASSERT(sim_vfs_resolve("/", longp, SIM_VFS_MAX_PATH - 2, out) == 0);
	CU_ASSERT(strlen(out) == SIM_VFS_MAX_PATH - 1);
}

static void collect(void *ctx, const struct sim_vfs_node *n)
{
	char *s = ctx;

	strcat(s, sim_vfs_basename(n));
	strcat(s, n->kind == SIM_VFS_DIR ? "/ " : " ");
}

static void test_namespace(void)
{
	struct sim_vfs v;
	char names[512] = "";
	struct sim_vfs_node *n;

	CU_ASSERT_FATAL(sim_vfs_init(&v, 1) == 0);
	CU_ASSERT(sim_vfs_add_file(&v, "/pub/z.bin", 10) == 0);
	CU_ASSERT(sim_vfs_add_file(&v, "/pub/a.bin", 20) == 0);
	CU_ASSERT(sim_vfs_add_file(&v, "/pub/deep/er/f", 30) == 0); /* parents made */
	CU_ASSERT(sim_vfs_mkdir(&v, "/pub/m") == 0);
	CU_ASSERT(sim_vfs_mkdir(&v, "/pub/m") == -EEXIST);
	CU_ASSERT(sim_vfs_add_file(&v, "/pub/m", 1) == -EISDIR);
	CU_ASSERT(sim_vfs_add_file(&v, "/pub/a.bin/x", 1) == -ENOTDIR);
	CU_ASSERT(sim_vfs_list(&v, "/pub", collect, names) == 4);
	CU_ASSERT_STRING_EQUAL(names, "a.bin deep/ m/ z.bin ");
	names[0] = '\0';
	CU_ASSERT(sim_vfs_list(&v, "/", collect, names) == 1);
	CU_ASSERT_STRING_EQUAL(names, "pub/ ");
	CU_ASSERT(sim_vfs_list(&v, "/pub/a.bin", NULL, NULL) == -ENOTDIR);
	CU_ASSERT(sim_vfs_list(&v, "/nope", NULL, NULL) == -ENOENT);
	/* seeds differ per path and are stable per (VFS seed, path) */
	CU_ASSERT(sim_vfs_lookup(&v, "/pub/z.bin")->seed != sim_vfs_lookup(&v, "/pub/a.bin")->seed);
	CU_ASSERT(sim_vfs_remove(&v, "/pub/deep") == -ENOTEMPTY);
	CU_ASSERT(sim_vfs_rename(&v, "/pub/deep", "/pub/m/moved") == 0);
	CU_ASSERT(sim_vfs_lookup(&v, "/pub/deep/er/f") == NULL);
	n = sim_vfs_lookup(&v, "/pub/m/moved/er/f");
	CU_ASSERT_FATAL(n != NULL);
	CU_ASSERT(n->size == 30);
	CU_ASSERT(sim_vfs_rename(&v, "/pub/m", "/pub/m/moved/inside") == -EINVAL);
	CU_ASSERT(sim_vfs_rename(&v, "/pub/a.bin", "/pub/z.bin") == -EEXIST);
	CU_ASSERT(sim_vfs_rename(&v, "/pub/a.bin", "/nodir/x") == -ENOENT);
	CU_ASSERT(sim_vfs_remove(&v, "/pub/m/moved/er/f") == 0);
	CU_ASSERT(sim_vfs_remove(&v, "/pub/m/moved/er") == 0);
	CU_ASSERT(sim_vfs_remove(&v, "/") == -EBUSY);
	CU_ASSERT(sim_vfs_remove(&v, "/none") == -ENOENT);
	sim_vfs_free(&v);
}

static void test_same_seed_same_content(void)
{
	struct sim_vfs a, b;
	uint64_t ha, hb;

	CU_ASSERT_FATAL(sim_vfs_init(&a, 42) == 0);
	CU_ASSERT_FATAL(sim_vfs_init(&b, 42) == 0);
	CU_ASSERT(sim_vfs_add_file(&a, "/f", 4096) == 0);
	CU_ASSERT(sim_vfs_add_file(&b, "/f", 4096) == 0);
	CU_ASSERT(sim_vfs_file_hash(sim_vfs_lookup(&a, "/f"), 0, &ha) == 0);
	CU_ASSERT(sim_vfs_file_hash(sim_vfs_lookup(&b, "/f"), 0, &hb) == 0);
	CU_ASSERT(ha == hb);
	CU_ASSERT(sim_vfs_lookup(&a, "/f")->hash_valid); /* cached */
	sim_vfs_free(&b);
	CU_ASSERT_FATAL(sim_vfs_init(&b, 43) == 0);
	CU_ASSERT(sim_vfs_add_file(&b, "/f", 4096) == 0);
	CU_ASSERT(sim_vfs_file_hash(sim_vfs_lookup(&b, "/f"), 0, &hb) == 0);
	CU_ASSERT(ha != hb);
	sim_vfs_free(&a);
	sim_vfs_free(&b);
}

static void test_read_and_range_hash(void)
{
	struct sim_vfs v;
	struct sim_vfs_node *f;
	uint8_t buf[100], ref[100];
	uint64_t h;

	CU_ASSERT_FATAL(sim_vfs_init(&v, 3) == 0);
	CU_ASSERT(sim_vfs_add_file(&v, "/f", 1000) == 0);
	f = sim_vfs_lookup(&v, "/f");
	CU_ASSERT(sim_vfs_read(f, 900, buf, 100) == 0);
	sim_vfs_gen_fill(f->seed, 900, ref, 100);
	CU_ASSERT(memcmp(buf, ref, 100) == 0);
	CU_ASSERT(sim_vfs_read(f, 901, buf, 100) == -ERANGE);
	CU_ASSERT(sim_vfs_read(sim_vfs_lookup(&v, "/"), 0, buf, 1) == -EISDIR);
	CU_ASSERT(sim_vfs_file_hash(f, 900, &h) == 0);
	CU_ASSERT(h == ref_hash(ref, 100));
	CU_ASSERT(sim_vfs_file_hash(f, 1000, &h) == 0);
	CU_ASSERT(h == ref_hash(ref, 0));
	CU_ASSERT(sim_vfs_file_hash(f, 1001, &h) == -ERANGE);
	sim_vfs_free(&v);
}

/* Uploads: generated bytes stay servable, anything else is size + hash. */
static void test_uploads(void)
{
	struct sim_vfs v;
	struct sim_vfs_node *f;
	uint8_t buf[64];
	uint64_t h;

	CU_ASSERT_FATAL(sim_vfs_init(&v, 3) == 0);
	CU_ASSERT(sim_vfs_record_upload(&v, "/in/gen", 5000, sim_vfs_gen_hash(0xabc, 0, 5000),
					0xabc) == 0);
	f = sim_vfs_lookup(&v, "/in/gen");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(f->uploaded && f->generated && f->size == 5000);
	CU_ASSERT(sim_vfs_read(f, 0, buf, sizeof(buf)) == 0);
	CU_ASSERT(sim_vfs_record_upload(&v, "/in/other", 5000, 12345, 0xabc) == 0);
	f = sim_vfs_lookup(&v, "/in/other");
	CU_ASSERT(f->uploaded && !f->generated && f->hash == 12345);
	CU_ASSERT(sim_vfs_read(f, 0, buf, sizeof(buf)) == -ENOENT);
	CU_ASSERT(sim_vfs_file_hash(f, 0, &h) == 0 && h == 12345);
	CU_ASSERT(sim_vfs_file_hash(f, 10, &h) == -ENOENT);
	sim_vfs_free(&v);
}

/* A 1 GB file is a size and a seed: reading near its end is as cheap as
 * reading its start, and the bytes match the generator. */
static void test_huge_file_costs_nothing(void)
{
	struct sim_vfs v;
	struct sim_vfs_node *f;
	uint8_t a[64], b[64];
	const uint64_t gb = 1ULL << 30;

	CU_ASSERT_FATAL(sim_vfs_init(&v, 8) == 0);
	CU_ASSERT(sim_vfs_add_file(&v, "/big/1g.bin", gb) == 0);
	CU_ASSERT(sim_vfs_add_file(&v, "/big/8g.bin", 8 * gb) == 0);
	f = sim_vfs_lookup(&v, "/big/1g.bin");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(f->size == gb);
	CU_ASSERT(sim_vfs_read(f, gb - sizeof(a), a, sizeof(a)) == 0);
	sim_vfs_gen_fill(f->seed, gb - sizeof(b), b, sizeof(b));
	CU_ASSERT(memcmp(a, b, sizeof(a)) == 0);
	CU_ASSERT(sim_vfs_read(f, gb - 3, a, 4) == -ERANGE);
	f = sim_vfs_lookup(&v, "/big/8g.bin");
	CU_ASSERT(sim_vfs_read(f, 8 * gb - 5, a, 5) == 0);
	CU_ASSERT(v.len == 4); /* root, /big and two files: no content stored */
	sim_vfs_free(&v);
}

TU_MAIN("sim_ftp_vfs",
	TU_CASE(test_gen_pure_function_of_offset), TU_CASE(test_hash_chunking),
	TU_CASE(test_resolve), TU_CASE(test_namespace), TU_CASE(test_same_seed_same_content),
	TU_CASE(test_read_and_range_hash), TU_CASE(test_uploads),
	TU_CASE(test_huge_file_costs_nothing))
