/* scen_units.c - numbers with units in scenario files (sizes, rates, times,
 * probabilities). Integer arithmetic with overflow checks, so "100MB" is
 * exactly 100000000 and a typo is an error, never a silent zero. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scen.h"

struct scen_unit {
	const char *suffix;
	uint64_t mult;
};

/* "12.5" then a suffix from the table (longest first; "" = plain number).
 * The fraction keeps up to 9 digits and is truncated after scaling. */
static int scen_parse_unit(const char *s, const struct scen_unit *units, uint64_t *out)
{
	uint64_t ip = 0, frac = 0, fscale = 1;
	const char *p = s;
	int digits = 0;

	if (!s || *p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (ip > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		ip = ip * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (digits < 9) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				fscale *= 10;
				digits++;
			}
		}
	}
	while (*p == ' ')
		p++;
	for (const struct scen_unit *u = units; u->suffix; u++) {
		if (strcmp(p, u->suffix) != 0)
			continue;
		if (ip > UINT64_MAX / u->mult)
			return -EINVAL;
		/* frac < fscale <= 1e9 and mult <= 2^50: the product fits. */
		if (u->mult > UINT64_MAX / fscale && frac)
			return -EINVAL;
		uint64_t f = frac ? (frac * u->mult) / fscale : 0;
		if (ip * u->mult > UINT64_MAX - f)
			return -EINVAL;
		*out = ip * u->mult + f;
		return 0;
	}
	return -EINVAL;
}

int scen_parse_size(const char *s, uint64_t *out)
{
	static const struct scen_unit u[] = {
		{"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}, {"TiB", 1ULL << 40},
		{"kB", 1000ULL}, {"KB", 1000ULL}, {"MB", 1000000ULL}, {"GB", 1000000000ULL},
		{"TB", 1000000000000ULL}, {"B", 1}, {"", 1}, {NULL, 0},
	};
	return scen_parse_unit(s, u, out);
}

int scen_parse_rate(const char *s, uint64_t *out)
{
	static const struct scen_unit u[] = {
		{"Tbps", 1000000000000ULL}, {"Gbps", 1000000000ULL}, {"Mbps", 1000000ULL},
		{"kbps", 1000ULL}, {"Kbps", 1000ULL}, {"bps", 1}, {"", 1}, {NULL, 0},
	};
	return scen_parse_unit(s, u, out);
}

int scen_parse_time(const char *s, uint64_t *out_ns)
{
	static const struct scen_unit u[] = {
		{"ns", 1}, {"us", 1000ULL}, {"ms", 1000000ULL}, {"s", 1000000000ULL},
		{"min", 60000000000ULL}, {NULL, 0},
	};
	return scen_parse_unit(s, u, out_ns);
}

int scen_parse_prob(const char *s, double *out)
{
	char *end = NULL;
	double v;

	if (!s || !*s || (*s != '.' && (*s < '0' || *s > '9')))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return -EINVAL;
	if (*end == '%') {
		v /= 100.0;
		end++;
	}
	if (*end != '\0' || v < 0.0 || v > 1.0)
		return -EINVAL;
	*out = v;
	return 0;
}
