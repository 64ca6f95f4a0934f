/* rep_reader.c - the libpcap side of the capture reader: recognises the file
 * by its magic before libpcap sees it (so a text file or an empty file gets a
 * precise message), then streams records one at a time. */
#include "rep_reader.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rep_reader {
	pcap_t *pcap;
	int linktype;
	int precision;
	uint64_t count;
	char err[REP_ERR_LEN];
};

static bool magic_known(const uint8_t m[4])
{
	static const uint8_t known[][4] = {
		{0xa1, 0xb2, 0xc3, 0xd4}, {0xd4, 0xc3, 0xb2, 0xa1}, /* pcap, usec */
		{0xa1, 0xb2, 0x3c, 0x4d}, {0x4d, 0x3c, 0xb2, 0xa1}, /* pcap, nsec */
		{0x0a, 0x0d, 0x0d, 0x0a},                           /* pcapng SHB */
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (memcmp(m, known[i], 4) == 0)
			return true;
	return false;
}

/* A pipe cannot be rewound after its magic was read: this stream gives the
 * magic back first, then the rest of the pipe, so libpcap sees the whole file. */
struct replay_cookie {
	FILE *fp;
	uint8_t m[4];
	size_t pos;
};

static ssize_t replay_read(void *c, char *buf, size_t len)
{
	struct replay_cookie *rc = c;
	size_t n = 0;

	while (n < len && rc->pos < sizeof(rc->m))
		buf[n++] = (char)rc->m[rc->pos++];
	if (n < len)
		n += fread(buf + n, 1, len - n, rc->fp);
	if (n == 0 && ferror(rc->fp))
		return -1;
	return (ssize_t)n;
}

static int replay_close(void *c)
{
	struct replay_cookie *rc = c;
	int r = fclose(rc->fp);

	free(rc);
	return r;
}

/* Wraps a non-seekable fp so its first four bytes m are read again. On
 * success the returned stream owns fp; on failure fp is left to the caller. */
static FILE *replay_magic(FILE *fp, const uint8_t m[4])
{
	static const cookie_io_functions_t io = {.read = replay_read, .close = replay_close};
	struct replay_cookie *c = calloc(1, sizeof(*c));
	FILE *s;

	if (!c)
		return NULL;
	c->fp = fp;
	memcpy(c->m, m, sizeof(c->m));
	s = fopencookie(c, "rb", io);
	if (!s)
		free(c);
	return s;
}

/* Reads the magic and rewinds (a pipe is wrapped so the magic is read
 * again: *fpp may change); *precision gets the file's timestamp precision
 * (pcapng: nano, which loses nothing whatever its if_tsresol).
 * Returns 0 or -EINVAL/-errno with err set. */
static int check_magic(FILE **fpp, int *precision, char *err, size_t errlen)
{
	FILE *fp = *fpp, *wrapped;
	uint8_t m[4];
	size_t n = fread(m, 1, sizeof(m), fp);

	if (ferror(fp)) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		return -EIO;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty file, not a pcap or pcapng file");
		return -EINVAL;
	}
	if (n < sizeof(m) || !magic_known(m)) {
		snprintf(err, errlen, "not a pcap or pcapng file (unknown magic)");
		return -EINVAL;
	}
	*precision = (m[0] == 0xa1 && m[2] == 0xc3) || (m[0] == 0xd4 && m[1] == 0xc3)
			     ? PCAP_TSTAMP_PRECISION_MICRO
			     : PCAP_TSTAMP_PRECISION_NANO;
	if (fseek(fp, 0, SEEK_SET) == 0)
		return 0;
	if (errno != ESPIPE) {
		snprintf(err, errlen, "cannot rewind: %s", strerror(errno));
		return -EIO;
	}
	wrapped = replay_magic(fp, m);
	if (!wrapped) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*fpp = wrapped;
	return 0;
}

int rep_reader_open(const char *path, struct rep_reader **out, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct rep_reader *r = NULL;
	FILE *fp = NULL;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	fp = fopen(path, "rb");
	if (!fp) {
		rc = -errno;
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		goto out;
	}
	rc = check_magic(&fp, &r->precision, err, errlen);
	if (rc)
		goto out;
	/* nanosecond precision keeps nanosecond files exact and scales micro */
	r->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!r->pcap) {
		rc = -EINVAL;
		snprintf(err, errlen, "bad capture header: %s", perr);
		goto out;
	}
	fp = NULL; /* owned by pcap now */
	r->linktype = pcap_datalink(r->pcap);
	if (!rep_linktype_supported(r->linktype)) {
		const char *name = pcap_datalink_val_to_name(r->linktype);

		rc = -EINVAL;
		snprintf(err, errlen, "unsupported link type %d (%s)", r->linktype,
			 name ? name : "unknown");
		goto out;
	}
	*out = r;
	r = NULL;
	rc = 0;
out:
	if (fp)
		fclose(fp);
	rep_reader_close(r);
	return rc;
}

int rep_reader_next(struct rep_reader *r, struct rep_frame *f)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(r->pcap, &h, &data);

	if (rc == PCAP_ERROR_BREAK)
		return -ENODATA;
	if (rc != 1) {
		snprintf(r->err, sizeof(r->err), "%s", pcap_geterr(r->pcap));
		return -EIO;
	}
	if (h->caplen > h->len) {
		/* more bytes captured than were on the wire: a corrupt record */
		snprintf(r->err, sizeof(r->err), "captured length %u exceeds the packet length %u",
			 h->caplen, h->len);
		return -EIO;
	}
	r->count++;
	memset(f, 0, sizeof(*f));
	f->number = r->count;
	f->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;
	f->data = data;
	f->caplen = h->caplen;
	f->wire_len = h->len;
	rep_frame_locate(r->linktype, f);
	return 0;
}

const char *rep_reader_error(const struct rep_reader *r)
{
	return r->err;
}

uint64_t rep_reader_count(const struct rep_reader *r)
{
	return r->count;
}

int rep_reader_linktype(const struct rep_reader *r)
{
	return r->linktype;
}

int rep_reader_precision(const struct rep_reader *r)
{
	return r->precision;
}

int rep_reader_snaplen(const struct rep_reader *r)
{
	return pcap_snapshot(r->pcap);
}

void rep_reader_close(struct rep_reader *r)
{
	if (!r)
		return;
	if (r->pcap)
		pcap_close(r->pcap);
	free(r);
}
