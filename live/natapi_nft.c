/* natapi_nft.c - the nftables backend's lifetime and batch runner: the table
 * (stale one removed) made at open and deleted at close, one libnftables
 * call per transaction, counted and timed, rule handles read from the echo. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nftables/libnftables.h>

#include "natapi_nft_int.h"

uint64_t natapi_nft_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void nft_cmd_add(struct nft_cmd *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->oom)
		return;
	for (;;) {
		size_t room = c->cap - c->len;

		va_start(ap, fmt);
		n = vsnprintf(c->p ? c->p + c->len : NULL, c->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			c->oom = true;
			return;
		}
		if (c->p && (size_t)n < room) {
			c->len += (size_t)n;
			return;
		}
		size_t ncap = c->cap ? c->cap : 512;

		while (ncap < c->len + (size_t)n + 1)
			ncap *= 2;
		char *np = realloc(c->p, ncap);

		if (!np) {
			c->oom = true;
			return;
		}
		c->p = np;
		c->cap = ncap;
	}
}

void nft_cmd_free(struct nft_cmd *c)
{
	free(c->p);
	memset(c, 0, sizeof(*c));
}

/* "add rule ... # handle 12" lines, in batch order. */
static void nft_parse_handles(const char *out, uint64_t *handles, size_t n)
{
	size_t k = 0;

	for (const char *line = out; line && *line && k < n;) {
		const char *eol = strchr(line, '\n');
		const char *h = strstr(line, "# handle ");

		if (strncmp(line, "add rule ", 9) == 0 && h && (!eol || h < eol))
			handles[k++] = strtoull(h + 9, NULL, 10);
		line = eol ? eol + 1 : NULL;
	}
}

int nft_batch(struct natapi_nft *b, const struct nft_cmd *c, uint64_t *handles, size_t n_handles)
{
	unsigned int flags = handles ? NFT_CTX_OUTPUT_ECHO | NFT_CTX_OUTPUT_HANDLE : 0;
	uint64_t t0;
	int rc;

	if (c->oom || !c->p)
		return -ENOMEM;
	if (b->cfg.verbose)
		fprintf(stderr, "nft batch:\n%s", c->p);
	nft_ctx_output_set_flags(b->nft, flags);
	t0 = natapi_nft_now();
	rc = nft_run_cmd_from_buffer(b->nft, c->p);
	b->st.wall_ns += natapi_nft_now() - t0;
	b->st.transactions++;
	if (rc != 0) {
		const char *err = nft_ctx_get_error_buffer(b->nft);

		b->st.failed++;
		fprintf(stderr, "gatelab: nftables refused a batch: %s", err ? err : "(no message)\n");
		if (err && strstr(err, "Operation not permitted"))
			return -EPERM;
		return -EIO;
	}
	if (handles) {
		memset(handles, 0, n_handles * sizeof(*handles));
		nft_parse_handles(nft_ctx_get_output_buffer(b->nft), handles, n_handles);
		for (size_t i = 0; i < n_handles; i++)
			if (handles[i] == 0)
				return -EIO; /* the echo did not name every rule */
	}
	return 0;
}

static int nft_lookup_original(void *state, const struct net_tuple *translated,
			       struct net_tuple *original)
{
	struct natapi_nft *b = state;

	if (!b->cfg.orig)
		return -ENOTSUP;
	return b->cfg.orig(b->cfg.orig_arg, translated, original);
}

static void nft_close(void *state)
{
	struct natapi_nft *b = state;
	struct nft_cmd c = {0};

	if (!b)
		return;
	if (b->nft) {
		nft_cmd_add(&c, "delete table inet %s\n", b->cfg.table);
		if (nft_batch(b, &c, NULL, 0) != 0)
			fprintf(stderr, "gatelab: could not delete nftables table inet %s\n",
				b->cfg.table);
		nft_cmd_free(&c);
		nft_ctx_free(b->nft);
	}
	if (b->cfg.on_close)
		natapi_nft_stats_get(b, b->cfg.on_close);
	nft_rules_free(b);
	nft_ports_free(b);
	free(b);
}

static const struct natapi_backend natapi_nft_ops = {
	.name = "nftables",
	.close = nft_close,
	.redirect_port = nft_redirect_port,
	.redirect_session = nft_redirect_session,
	.cancel = nft_cancel,
	.cancel_group = nft_cancel_group,
	.lookup_original = nft_lookup_original,
	.reserve = nft_reserve,
	.unreserve = nft_unreserve,
	.acquire = nft_acquire,
	.release = nft_release,
};

static bool nft_name_ok(const char *s)
{
	if (!s[0] || strlen(s) >= NATAPI_NFT_NAME_LEN)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	return true;
}

/* One transaction: the stale table (if any) goes, the fresh one comes. The
 * "add" before "delete" makes the delete valid when there was none. */
static int nft_make_table(struct natapi_nft *b)
{
	const char *t = b->cfg.table;
	struct nft_cmd c = {0};
	int rc;

	uint64_t t0 = natapi_nft_now();
	bool listed;

	/* A query, not a change: counted as a transaction all the same. */
	nft_ctx_output_set_flags(b->nft, 0);
	listed = nft_run_cmd_from_buffer(b->nft, "list tables inet\n") == 0;
	b->st.wall_ns += natapi_nft_now() - t0;
	b->st.transactions++;
	if (listed) {
		const char *out = nft_ctx_get_output_buffer(b->nft);
		char want[64];

		snprintf(want, sizeof(want), "table inet %s\n", t);
		if (out && strstr(out, want)) {
			b->st.stale_removed = 1;
			fprintf(stderr, "gatelab: removing nftables table inet %s left by an earlier run\n",
				t);
		}
	}
	nft_cmd_add(&c, "add table inet %s\ndelete table inet %s\nadd table inet %s\n", t, t, t);
	nft_cmd_add(&c, "add chain inet %s prerouting { type nat hook prerouting priority dstnat; policy accept; }\n", t);
	nft_cmd_add(&c, "add chain inet %s postrouting { type nat hook postrouting priority srcnat; policy accept; }\n", t);
	/* Forwarding is closed but for what the proxy's redirects opened
	 * (their ct mark) and the packets of connections already admitted. */
	nft_cmd_add(&c, "add chain inet %s forward { type filter hook forward priority filter; policy drop; }\n", t);
	nft_cmd_add(&c, "add rule inet %s forward ct state established,related accept\n", t);
	/* Not "ct status dnat": a redirect to the same destination (the fast
	 * path's usual A = B) changes no tuple and sets no dnat status. */
	nft_cmd_add(&c, "add rule inet %s forward ct mark != 0 accept\n", t);
	rc = nft_batch(b, &c, NULL, 0);
	nft_cmd_free(&c);
	return rc;
}

int natapi_nft_open(const struct natapi_nft_cfg *cfg, const struct natapi_backend **backend,
		    void **state)
{
	struct natapi_nft *b;
	int rc;

	if (!cfg || !backend || !state)
		return -EINVAL;
	*backend = NULL;
	*state = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->cfg = *cfg;
	if (!b->cfg.table[0])
		snprintf(b->cfg.table, sizeof(b->cfg.table), "gatelab");
	if (!b->cfg.default_timeout_ns)
		b->cfg.default_timeout_ns = 60ULL * 1000000000ULL;
	rc = -EINVAL;
	if (!nft_name_ok(b->cfg.table) || (b->cfg.inside_if[0] && !nft_name_ok(b->cfg.inside_if)) ||
	    ((cfg->port_lo || cfg->port_hi) && (cfg->port_lo < 1024 || cfg->port_hi < cfg->port_lo)))
		goto fail;
	rc = nft_ports_init(b);
	if (rc)
		goto fail;
	rc = -ENOMEM;
	b->nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!b->nft || nft_ctx_buffer_output(b->nft) != 0 || nft_ctx_buffer_error(b->nft) != 0)
		goto fail;
	rc = nft_make_table(b);
	if (rc) {
		nft_ctx_free(b->nft);
		b->nft = NULL; /* nothing of ours to delete */
		goto fail;
	}
	*backend = &natapi_nft_ops;
	*state = b;
	return 0;
fail:
	nft_close(b);
	return rc;
}

void natapi_nft_stats_get(const void *state, struct natapi_nft_stats *out)
{
	const struct natapi_nft *b = state;

	memset(out, 0, sizeof(*out));
	if (!b)
		return;
	*out = b->st;
	out->groups_active = b->grps.n;
}

void natapi_nft_port_range(const void *state, uint16_t *lo, uint16_t *hi)
{
	const struct natapi_nft *b = state;

	*lo = b->region_lo;
	*hi = b->region_hi;
}
