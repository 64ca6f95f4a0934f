/* report_walk.c - the walk-through's data: modes, steps, table rows, and
 * their ownership (every string a step holds is its own malloc'd copy). */
#include "report_walk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rpt_walk_init(struct rpt_walk *w)
{
	memset(w, 0, sizeof(*w));
}

static void rpt_walk_step_free(struct rpt_walk_step *st)
{
	free(st->in.text);
	free(st->out.text);
	free(st->what);
	free(st->api);
	for (size_t i = 0; i < st->n_rows; i++)
		free(st->rows[i]);
	free(st->rows);
}

void rpt_walk_free(struct rpt_walk *w)
{
	for (size_t m = 0; m < w->n_modes; m++) {
		for (size_t i = 0; i < w->modes[m].n; i++)
			rpt_walk_step_free(&w->modes[m].steps[i]);
		free(w->modes[m].steps);
	}
	memset(w, 0, sizeof(*w));
}

struct rpt_walk_mode *rpt_walk_begin_mode(struct rpt_walk *w, const char *mode)
{
	struct rpt_walk_mode *m;

	if (w->n_modes >= RPT_WALK_MODES)
		return NULL;
	m = &w->modes[w->n_modes++];
	memset(m, 0, sizeof(*m));
	snprintf(m->mode, sizeof(m->mode), "%s", mode);
	return m;
}

struct rpt_walk_step *rpt_walk_push(struct rpt_walk_mode *m)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct rpt_walk_step *s = realloc(m->steps, cap * sizeof(*s));

		if (!s)
			return NULL;
		m->steps = s;
		m->cap = cap;
	}
	memset(&m->steps[m->n], 0, sizeof(m->steps[m->n]));
	return &m->steps[m->n++];
}

int rpt_walk_add_row(struct rpt_walk_step *st, const char *row)
{
	char **rows = realloc(st->rows, (st->n_rows + 1) * sizeof(*rows));
	char *copy = strdup(row);

	if (rows)
		st->rows = rows;
	if (!rows || !copy) {
		free(copy);
		return -ENOMEM;
	}
	st->rows[st->n_rows++] = copy;
	return 0;
}

const char *rpt_walk_path_name(enum rpt_walk_path p)
{
	switch (p) {
	case RPT_PATH_FAST: return "fast path (kernel)";
	case RPT_PATH_PASS: return "forwarded (kernel)";
	case RPT_PATH_UP: return "up to the proxy (user mode)";
	case RPT_PATH_DOWN: return "down from the proxy (user mode)";
	case RPT_PATH_DROP: return "dropped";
	}
	return "?";
}

void rpt_walk_flags(uint8_t flags, char *buf, size_t cap)
{
	static const struct { uint8_t bit; const char *name; } names[] = {
		{0x02, "SYN"}, {0x01, "FIN"}, {0x04, "RST"}, {0x08, "PSH"}, {0x10, "ACK"},
	};
	size_t n = 0;

	if (cap == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t k = strlen(names[i].name) + (n ? 1 : 0);

		if (!(flags & names[i].bit))
			continue;
		if (n + k >= cap)
			return; /* whole names only */
		snprintf(buf + n, cap - n, "%s%s", n ? "+" : "", names[i].name);
		n += k;
	}
}
