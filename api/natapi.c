/* natapi.c - the NAT API handle: counts every call (a user->kernel crossing),
 * names its errors, and remembers what it created so that closing it leaves
 * nothing behind (as OpenBSD ftp-proxy commits an empty anchor). */
#include "natapi.h"
#include "natapi_int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct natapi {
	const struct natapi_backend *b;
	void *state;
	struct natapi_stats st;
	struct natapi_idset rdr; /* redirects, with their group */
	struct natapi_idset res; /* reservations */
};

const char *natapi_strerror(int err)
{
	switch (err) {
	case 0:
		return "0: success";
	case -EINVAL:
		return "-EINVAL: invalid argument";
	case -ENOENT:
		return "-ENOENT: no such redirect or reservation";
	case -ENOSPC:
		return "-ENOSPC: redirect table or port pool full";
	case -EADDRINUSE:
		return "-EADDRINUSE: port already in use";
	case -ENOTSUP:
		return "-ENOTSUP: operation not supported by this backend";
	case -EBADF:
		return "-EBADF: translator not open";
	case -ENOMEM:
		return "-ENOMEM: out of memory";
	default:
		return "unknown error (not a NAT API code)";
	}
}

int natapi_open(const struct natapi_backend *backend, void *state, struct natapi **out)
{
	struct natapi *api;

	if (!backend || !out)
		return -EINVAL;
	api = calloc(1, sizeof(*api));
	if (!api)
		return -ENOMEM;
	api->b = backend;
	api->state = state;
	*out = api;
	return 0;
}

/* Room is made BEFORE the backend is asked (natapi_idset_room), so a
 * created redirect or reservation can always be recorded and never escapes
 * the close sweep. A handle only touches what it created: one proxy session
 * cannot cancel another's redirects or spend its ports. */

static void natapi_cancel_cb(void *arg, uint32_t id)
{
	struct natapi *api = arg;

	/* -ENOENT: a consumed one-shot; it is gone either way. */
	(void)api->b->cancel(api->state, id);
}

static void natapi_unreserve_cb(void *arg, uint32_t id)
{
	struct natapi *api = arg;

	(void)api->b->unreserve(api->state, id);
}

/* Every entry point funnels its result through here: one crossing counted,
 * failures too. */
static int natapi_done(struct natapi *api, int rc)
{
	if (rc < 0)
		api->st.errors++;
	api->st.redirects_active = api->rdr.n;
	api->st.reservations_active = api->res.n;
	return rc;
}

void natapi_close(struct natapi *api)
{
	if (!api)
		return;
	/* Consumed one-shot redirects answer -ENOENT here: nothing to undo. */
	if (api->b->cancel)
		natapi_idset_foreach(&api->rdr, natapi_cancel_cb, api);
	if (api->b->unreserve)
		natapi_idset_foreach(&api->res, natapi_unreserve_cb, api);
	if (api->b->close)
		api->b->close(api->state);
	natapi_idset_free(&api->rdr);
	natapi_idset_free(&api->res);
	free(api);
}

int natapi_redirect_port(struct natapi *api, const struct natapi_port_redirect *r, uint32_t *id)
{
	uint32_t got = 0;
	int rc;

	if (!api)
		return -EBADF;
	api->st.calls++;
	rc = -EINVAL;
	if (!r || !id)
		goto out;
	rc = -ENOTSUP;
	if (!api->b->redirect_port)
		goto out;
	rc = natapi_idset_room(&api->rdr);
	if (rc < 0)
		goto out;
	rc = api->b->redirect_port(api->state, r, &got);
	if (rc < 0)
		goto out;
	natapi_idset_add(&api->rdr, got, 0);
	*id = got;
out:
	return natapi_done(api, rc);
}

int natapi_redirect_session(struct natapi *api, const struct natapi_session_redirect *r,
			    uint32_t *id)
{
	uint32_t got = 0;
	int rc;

	if (!api)
		return -EBADF;
	api->st.calls++;
	rc = -EINVAL;
	if (!r || !id)
		goto out;
	rc = -ENOTSUP;
	if (!api->b->redirect_session)
		goto out;
	rc = natapi_idset_room(&api->rdr);
	if (rc < 0)
		goto out;
	rc = api->b->redirect_session(api->state, r, &got);
	if (rc < 0)
		goto out;
	natapi_idset_add(&api->rdr, got, r->group);
	*id = got;
out:
	return natapi_done(api, rc);
}

int natapi_cancel(struct natapi *api, uint32_t id)
{
	int rc;

	if (!api)
		return -EBADF;
	api->st.calls++;
	rc = -ENOTSUP;
	if (!api->b->cancel)
		goto out;
	rc = -ENOENT;
	if (!natapi_idset_has(&api->rdr, id))
		goto out;
	rc = api->b->cancel(api->state, id);
	/* -ENOENT: already consumed or expired; either way no longer ours. */
	if (rc == 0 || rc == -ENOENT)
		natapi_idset_del(&api->rdr, id);
out:
	return natapi_done(api, rc);
}

/* Returns 0 whether or not the group had members: an empty set is a valid
 * set (cf. committing an empty anchor). The handle cancels its own members
 * one by one rather than the backend's whole group: group numbers are the
 * caller's, and another handle (or an engine expectation) may use the same.
 * The handle's group chain holds just the members: O(members). */
int natapi_cancel_group(struct natapi *api, uint32_t group)
{
	int rc;

	if (!api)
		return -EBADF;
	api->st.calls++;
	rc = -EINVAL;
	if (group == 0)
		goto out; /* 0 means "no group": cancelling it would be a wildcard */
	rc = -ENOTSUP;
	if (!api->b->cancel)
		goto out;
	rc = 0;
	natapi_idset_take_group(&api->rdr, group, natapi_cancel_cb, api);
out:
	return natapi_done(api, rc);
}

int natapi_lookup_original(struct natapi *api, const struct net_tuple *translated,
			   struct net_tuple *original)
{
	int rc;

	if (!api)
		return -EBADF;
	api->st.calls++;
	rc = -EINVAL;
	if (!translated || !original)
		goto out;
	rc = -ENOTSUP;
	if (!api->b->lookup_original)
		goto out;
	rc = api->b->lookup_original(api->state, translated, original);
out:
	return natapi_done(api, rc);
}

int natapi_reserve(struct natapi *api, uint8_t proto, uint32_t nports, uint32_t *res_id)
{
	uint32_t got = 0;
	int rc;

	if (!api)
		return -EBADF;
	api->st.calls++;
	rc = -EINVAL;
	if (!res_id)
		goto out;
	rc = -ENOTSUP;
	if (!api->b->reserve)
		goto out;
	rc = natapi_idset_room(&api->res);
	if (rc < 0)
		goto out;
	rc = api->b->reserve(api->state, proto, nports, &got);
	if (rc < 0)
		goto out;
	natapi_idset_add(&api->res, got, 0);
	*res_id = got;
out:
	return natapi_done(api, rc);
}

int natapi_unreserve(struct natapi *api, uint32_t res_id)
{
	int rc;

	if (!api)
		return -EBADF;
	api->st.calls++;
	rc = -ENOTSUP;
	if (!api->b->unreserve)
		goto out;
	rc = -ENOENT;
	if (!natapi_idset_has(&api->res, res_id))
		goto out;
	rc = api->b->unreserve(api->state, res_id);
	if (rc == 0 || rc == -ENOENT) {
		/* the reservation's ports go back with it */
		api->st.ports_held -= *natapi_idset_held(&api->res, res_id);
		natapi_idset_del(&api->res, res_id);
	}
out:
	return natapi_done(api, rc);
}

int natapi_acquire(struct natapi *api, uint32_t res_id, uint32_t n, uint16_t *first)
{
	int rc;

	if (!api)
		return -EBADF;
	api->st.calls++;
	rc = -EINVAL;
	if (!first)
		goto out;
	rc = -ENOTSUP;
	if (!api->b->acquire)
		goto out;
	rc = -ENOENT;
	if (!natapi_idset_has(&api->res, res_id))
		goto out;
	rc = api->b->acquire(api->state, res_id, n, first);
	if (rc == 0) {
		*natapi_idset_held(&api->res, res_id) += n;
		api->st.ports_held += n;
	}
out:
	return natapi_done(api, rc);
}

int natapi_release(struct natapi *api, uint32_t res_id, uint16_t first, uint32_t n)
{
	int rc;

	if (!api)
		return -EBADF;
	api->st.calls++;
	rc = -ENOTSUP;
	if (!api->b->release)
		goto out;
	rc = -ENOENT;
	if (!natapi_idset_has(&api->res, res_id))
		goto out;
	rc = api->b->release(api->state, res_id, first, n);
	if (rc == 0) {
		uint64_t *held = natapi_idset_held(&api->res, res_id);
		uint64_t k = n < *held ? n : *held;

		*held -= k;
		api->st.ports_held -= k;
	}
out:
	return natapi_done(api, rc);
}

int natapi_redirect_counters(struct natapi *api, uint32_t id, struct natapi_counters *out)
{
	int rc;

	if (!api)
		return -EBADF;
	api->st.calls++;
	rc = -EINVAL;
	if (!out)
		goto out;
	memset(out, 0, sizeof(*out));
	rc = -ENOTSUP;
	if (!api->b->counters)
		goto out;
	rc = -ENOENT;
	if (!natapi_idset_has(&api->rdr, id))
		goto out;
	rc = api->b->counters(api->state, id, out);
out:
	return natapi_done(api, rc);
}

void natapi_stats_get(const struct natapi *api, struct natapi_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!api)
		return;
	*out = api->st;
	out->redirects_active = api->rdr.n;
	out->reservations_active = api->res.n;
}
