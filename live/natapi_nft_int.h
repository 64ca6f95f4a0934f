/* natapi_nft_int.h - private to the nftables backend: its state (the libnftables
 * context, redirects by id, per-group chains, the expiry heap, reservations)
 * and the batch runner its files share. */
#ifndef GATELAB_NATAPI_NFT_INT_H
#define GATELAB_NATAPI_NFT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "live_map.h"
#include "natapi_nft.h"

struct nft_ctx;
struct nft_grp;

/* One redirect = one rule in a prerouting chain (h_pre) and, when it
 * rewrites the source too, one in a postrouting chain (h_post) matched by
 * the ct mark the first rule sets (mark = id). */
struct nft_rdr {
	uint32_t id;
	struct nft_grp *grp;        /* NULL: rules in the base chains */
	uint64_t h_pre, h_post;     /* rule handles; 0 = none */
	uint64_t deadline;          /* one-shot expiry; 0 = none */
	size_t heap_i;              /* index in the expiry heap, SIZE_MAX if none */
	struct nft_rdr *gnext, *gprev;
};

/* A NAT API group: chains g<G>_pre and g<G>_post, entered by one jump rule
 * from each base chain. Cancelling the group deletes both chains. */
struct nft_grp {
	uint32_t group;
	uint64_t h_jpre, h_jpost;
	struct nft_rdr *members;
	size_t n;
};

struct nft_res {
	uint32_t id;
	uint16_t lo;
	uint32_t n;
	uint16_t *free_ports;       /* stack of ports not acquired */
	uint32_t n_free;
	uint8_t *taken;             /* taken[port - lo] */
};

struct natapi_nft {
	struct natapi_nft_cfg cfg;
	struct nft_ctx *nft;
	struct live_map rdrs;       /* id -> struct nft_rdr */
	struct live_map grps;       /* group -> struct nft_grp */
	struct live_map ress;       /* res id -> struct nft_res */
	struct nft_rdr **heap;
	size_t n_heap, cap_heap;
	uint32_t next_id, next_res;
	uint16_t region_lo, region_hi;
	int32_t region_top;         /* [region_lo, region_top] not yet reserved */
	struct natapi_nft_stats st;
};

/* A growable command text for one batch. */
struct nft_cmd {
	char *p;
	size_t len, cap;
	bool oom;
};
void nft_cmd_add(struct nft_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nft_cmd_free(struct nft_cmd *c);

/* Runs the text as one transaction (counted, timed). handles: when not NULL,
 * the handles of the batch's "add rule" commands in order (up to n_handles).
 * Returns 0, -ENOMEM, -EPERM, -EIO (the kernel refused; the message went to
 * stderr). */
int nft_batch(struct natapi_nft *b, const struct nft_cmd *c, uint64_t *handles, size_t n_handles);

/* natapi_nft_rules.c */
int nft_redirect_port(void *state, const struct natapi_port_redirect *r, uint32_t *id);
int nft_redirect_session(void *state, const struct natapi_session_redirect *r, uint32_t *id);
int nft_cancel(void *state, uint32_t id);
int nft_cancel_group(void *state, uint32_t group);
void nft_rules_free(struct natapi_nft *b);

/* natapi_nft_ports.c */
int nft_ports_init(struct natapi_nft *b);
int nft_reserve(void *state, uint8_t proto, uint32_t nports, uint32_t *res_id);
int nft_unreserve(void *state, uint32_t res_id);
int nft_acquire(void *state, uint32_t res_id, uint32_t n, uint16_t *first);
int nft_release(void *state, uint32_t res_id, uint16_t first, uint32_t n);
void nft_ports_free(struct natapi_nft *b);

#endif
