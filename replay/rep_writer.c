/* rep_writer.c - pcap_dump into a temporary file and an atomic rename, so an
 * output file exists only when the whole translation succeeded. */
#include "rep_writer.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct rep_writer {
	pcap_t *dead;
	pcap_dumper_t *dump;
	int precision;
	char *path;
	char *tmp;
};

static void writer_free(struct rep_writer *w)
{
	if (!w)
		return;
	if (w->dump)
		pcap_dump_close(w->dump);
	if (w->dead)
		pcap_close(w->dead);
	if (w->tmp)
		unlink(w->tmp);
	free(w->tmp);
	free(w->path);
	free(w);
}

int rep_writer_open(const char *path, int linktype, int precision, int snaplen,
		    struct rep_writer **out, char *err, size_t errlen)
{
	struct rep_writer *w = NULL;
	FILE *fp = NULL;
	size_t n = strlen(path);
	int fd = -1, rc;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path)) || !(w->tmp = malloc(n + 8))) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(w->tmp, path, n);
	memcpy(w->tmp + n, ".XXXXXX", 8);
	fd = mkstemp(w->tmp);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create a temporary file beside it: %s",
			 strerror(errno));
		free(w->tmp); /* nothing to unlink */
		w->tmp = NULL;
		goto out;
	}
	{
		/* mkstemp makes 0600; give the output the mode a plain create would */
		mode_t mask = umask(0);

		umask(mask);
		if (fchmod(fd, 0666 & ~mask) != 0) {
			rc = -errno;
			snprintf(err, errlen, "cannot set the mode: %s", strerror(errno));
			goto out;
		}
	}
	fp = fdopen(fd, "wb");
	if (!fp) {
		rc = -errno;
		snprintf(err, errlen, "cannot open the temporary file: %s", strerror(errno));
		goto out;
	}
	fd = -1;
	w->precision = precision;
	w->dead = pcap_open_dead_with_tstamp_precision(linktype, snaplen, (u_int)precision);
	if (!w->dead) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	w->dump = pcap_dump_fopen(w->dead, fp);
	if (!w->dump) {
		rc = -EIO;
		snprintf(err, errlen, "cannot write: %s", pcap_geterr(w->dead));
		goto out;
	}
	fp = NULL; /* owned by the dumper */
	*out = w;
	w = NULL;
	rc = 0;
out:
	if (fp)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	writer_free(w);
	return rc;
}

int rep_writer_write(struct rep_writer *w, uint64_t ts_ns, const uint8_t *data, size_t caplen,
		     size_t wire_len)
{
	struct pcap_pkthdr h;
	uint64_t div = w->precision == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;

	if (caplen > UINT32_MAX || wire_len > UINT32_MAX || caplen > wire_len)
		return -EINVAL;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(ts_ns / 1000000000ULL);
	h.ts.tv_usec = (suseconds_t)((ts_ns % 1000000000ULL) / div);
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)wire_len;
	pcap_dump((u_char *)w->dump, &h, data);
	return 0;
}

int rep_writer_commit(struct rep_writer *w, char *err, size_t errlen)
{
	FILE *fp = pcap_dump_file(w->dump);
	int rc = 0;

	if (pcap_dump_flush(w->dump) != 0 || ferror(fp)) {
		rc = -EIO;
		snprintf(err, errlen, "write failed: %s", strerror(errno));
		goto out;
	}
	if (fsync(fileno(fp)) != 0) {
		rc = -errno;
		snprintf(err, errlen, "write failed: %s", strerror(errno));
		goto out;
	}
	/* pcap_dump_close reports no error; the flush above made the data safe */
	pcap_dump_close(w->dump);
	w->dump = NULL;
	if (rename(w->tmp, w->path) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot rename the temporary file: %s", strerror(errno));
		goto out;
	}
	free(w->tmp);
	w->tmp = NULL; /* renamed: nothing to remove */
out:
	writer_free(w);
	return rc;
}

void rep_writer_abort(struct rep_writer *w)
{
	writer_free(w);
}
