/*
 * smtp_data.c - the DATA state machine: end of data only at CRLF "."
 * CRLF, dot-unstuffing, and the line length, NUL and bare LF checks.
 */
#include "smtp_data.h"

void
smtp_data_init(struct smtp_data *d)
{
	d->state = SMTP_D_BOL;
	d->linelen = 0;
	d->size = 0;
	d->toolong = false;
	d->nul = false;
	d->bare_lf = false;
}

bool
smtp_data_done(const struct smtp_data *d)
{
	return d->state == SMTP_D_END;
}

/* Count one octet of the line as sent. */
static void
count(struct smtp_data *d, char c)
{
	if (c == '\0')
		d->nul = true;
	if (++d->linelen > SMTP_TEXT_LINE_MAX)
		d->toolong = true;
}

/* An octet inside a line (not after a CR). */
static enum smtp_data_state
in_line(struct smtp_data *d, char c, char *out, size_t *o)
{
	out[(*o)++] = c;
	if (c == '\r')
		return SMTP_D_CR;
	if (c == '\n')
		d->bare_lf = true;	/* content, never a line end */
	return SMTP_D_LINE;
}

size_t
smtp_data_feed(struct smtp_data *d, const char *in, size_t len, char *out,
    size_t *outlen)
{
	size_t i, o = 0;
	char c;

	for (i = 0; i < len && d->state != SMTP_D_END; i++) {
		c = in[i];
		count(d, c);
		switch (d->state) {
		case SMTP_D_BOL:
			if (c == '.')
				d->state = SMTP_D_DOT;
			else
				d->state = in_line(d, c, out, &o);
			break;
		case SMTP_D_LINE:
			d->state = in_line(d, c, out, &o);
			break;
		case SMTP_D_CR:
			if (c == '\n') {
				out[o++] = c;
				d->linelen = 0;
				d->state = SMTP_D_BOL;
			} else
				d->state = in_line(d, c, out, &o);
			break;
		case SMTP_D_DOT:
			if (c == '\r')
				d->state = SMTP_D_DOTCR;
			else
				d->state = in_line(d, c, out, &o);
			break;
		case SMTP_D_DOTCR:
			if (c == '\n') {
				d->state = SMTP_D_END;
				break;
			}
			/* "." CR x: the dot was stuffing, the CR content. */
			out[o++] = '\r';
			if (c == '\r')
				d->state = SMTP_D_CR;
			else
				d->state = in_line(d, c, out, &o);
			break;
		case SMTP_D_END:
			break;
		}
	}
	d->size += o;
	*outlen = o;
	return i;
}
