/* compare_fmt.c - names of verdicts and kinds, and values and changes as
 * short text: the pieces every rendering of a comparison shares. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "compare.h"

bool rpt_verdict_fails(enum rpt_verdict v)
{
	return v == RPT_REGRESSED || v == RPT_MISSING || v == RPT_RETYPED;
}

const char *rpt_verdict_name(enum rpt_verdict v)
{
	switch (v) {
	case RPT_SAME:
		return "same";
	case RPT_WITHIN:
		return "within";
	case RPT_IMPROVED:
		return "improved";
	case RPT_CHANGED:
		return "changed";
	case RPT_NEW:
		return "new";
	case RPT_REGRESSED:
		return "REGRESSED";
	case RPT_MISSING:
		return "MISSING";
	case RPT_RETYPED:
		return "RETYPED";
	case RPT_VERDICT_COUNT:
		break;
	}
	return "?";
}

const char *rpt_kind_name(enum rpt_kind k)
{
	switch (k) {
	case RPT_KIND_COUNT:
		return "count";
	case RPT_KIND_TIMING:
		return "timing";
	case RPT_KIND_VALUE:
		return "value";
	}
	return "?";
}

/* A JSON string as "text", escaping what could drive a terminal or break a
 * report line (C0, DEL, and the C1 controls U+0080-U+009F, which some
 * terminals obey as escape sequences); cut (with ...) when BUF is short. */
static void fmt_string(const char *str, size_t slen, char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t o = 0;

	if (len < 8) {
		snprintf(buf, len, "\"...\"");
		return;
	}
	buf[o++] = '"';
	for (size_t i = 0; i < slen; i++) {
		char tmp[8];
		size_t n;

		if (s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", s[i]);
			n = 4;
		} else if (s[i] == 0xc2 && i + 1 < slen && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", s[i + 1]);
			n = 6;
			i++;
		} else if (s[i] == '"' || s[i] == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)s[i];
			n = 2;
		} else {
			tmp[0] = (char)s[i];
			n = 1;
		}
		if (o + n + 2 > len) { /* room left for the closing quote and NUL */
			size_t written = o;

			while (o > 1 && o + 5 > len)
				o--;
			/* Never end inside a UTF-8 sequence. */
			while (o > 1 && o < written && ((unsigned char)buf[o] & 0xc0) == 0x80)
				o--;
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(buf + o, tmp, n);
		o += n;
	}
	buf[o++] = '"';
	buf[o] = '\0';
}

void rpt_compare_fmt_value(const json_t *v, char *buf, size_t len)
{
	if (len == 0)
		return;
	if (!v) {
		snprintf(buf, len, "-");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, len, "%.7g", json_real_value(v));
		break;
	case JSON_STRING:
		fmt_string(json_string_value(v), json_string_length(v), buf, len);
		break;
	case JSON_TRUE:
		snprintf(buf, len, "true");
		break;
	case JSON_FALSE:
		snprintf(buf, len, "false");
		break;
	case JSON_NULL:
		snprintf(buf, len, "null");
		break;
	case JSON_OBJECT:
		snprintf(buf, len, "{%zu keys}", json_object_size(v));
		break;
	case JSON_ARRAY:
		snprintf(buf, len, "[%zu items]", json_array_size(v));
		break;
	}
}

void rpt_compare_fmt_change(const struct rpt_entry *e, char *buf, size_t len)
{
	const json_t *b = e->base, *c = e->cur;

	if (len == 0)
		return;
	if (!json_is_number(b) || !json_is_number(c) || e->verdict == RPT_SAME) {
		snprintf(buf, len, "%s", "");
		return;
	}
	if (e->kind == RPT_KIND_COUNT) {
		if (json_is_integer(b) && json_is_integer(c)) {
			json_int_t x = json_integer_value(b), y = json_integer_value(c);

			/* Unsigned arithmetic: the difference of two int64s may not fit. */
			if (y >= x)
				snprintf(buf, len, "+%" PRIu64, (uint64_t)y - (uint64_t)x);
			else
				snprintf(buf, len, "-%" PRIu64, (uint64_t)x - (uint64_t)y);
		} else {
			snprintf(buf, len, "%+.4g", json_number_value(c) - json_number_value(b));
		}
		return;
	}
	if (json_number_value(b) == 0)
		snprintf(buf, len, "from 0");
	else
		snprintf(buf, len, "x%.3f", json_number_value(c) / json_number_value(b));
}
