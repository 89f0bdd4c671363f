/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "ndes-submit caps": the server's GetCACaps and what they mean here and
 * for certmonger (which picks the envelope cipher from them). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "caps.h"
#include "ns.h"
#include "ops.h"
#include "subcmd.h"

/* certmonger: the first of these in server order; none -> AES-256. */
static const char *certmonger_cipher(const char *text)
{
	static const char *const ciphers[] = { "AES-256", "AES-192", "AES-128", "AES", "DES3", "DES", NULL };
	const char *p = text;
	int i;

	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, "\n");
		for (i = 0; ciphers[i] != NULL; i++)
			if (strlen(ciphers[i]) == n && strncmp(p, ciphers[i], n) == 0)
				return ciphers[i];
		p += n;
		if (*p == '\n')
			p++;
	}
	return "AES-256 (nothing listed it knows)";
}

static const struct ns_subopt no_options[] = { { NULL, 0, NULL } };

int ns_cmd_caps(TALLOC_CTX *mem, const struct ns_ctx *ctx, int argc, char **argv,
		struct ns_err *err)
{
	struct ns_caps *caps;
	const char *how;

	if (ns_subcmd_options(argc, argv, no_options, "caps takes only the global options",
			      NULL, NULL, err) != 0)
		return ns_outcome(NS_OPC_ADMIN, err);
	if (ns_caps_fetch(mem, ctx, &caps, err) != 0)
		return ns_outcome(NS_OPC_ADMIN, err);

	if (ctx->cfg->caps_override != NULL)
		printf("Capabilities (from the caps setting, the server was not asked):\n");
	else if (caps->from_server)
		printf("Capabilities of %s:\n", ctx->cfg->url);
	else
		printf("Capabilities of %s: none sent (old NDES); assuming what NDES can do:\n",
		       ctx->cfg->url);
	{
		const char *p = caps->text;
		while (*p != '\0') {
			size_t n = strcspn(p, "\n");
			printf("  %.*s\n", (int)n, p);
			p += n;
			if (*p == '\n')
				p++;
		}
	}
	switch (ctx->cfg->method) {
	case NS_METHOD_GET:
		how = "GET (method = get)";
		break;
	case NS_METHOD_POST:
		how = "POST (method = post)";
		break;
	default:
		how = caps->post ? "POST (server offers POSTPKIOperation)" :
			"GET (no POSTPKIOperation; long requests may hit IIS' maxQueryString)";
	}
	printf("\nPKIOperation is sent by: %s\n", how);
	printf("Renewal with the current certificate: %s\n", caps->renewal ? "offered" : "not offered");
	printf("Digests: %s%s%s%s\n", caps->sha512 ? "SHA-512 " : "", caps->sha256 ? "SHA-256 " : "",
	       caps->sha1 ? "SHA-1 " : "",
	       !caps->sha1 && !caps->sha256 && !caps->sha512 ? "(none listed)" : "");
	printf("certmonger will encrypt requests with: %s\n", certmonger_cipher(caps->text));
	if (caps->aes && !caps->des3)
		printf("note: RFC 8894 warns that some servers of this family mishandle AES even where "
		       "they advertise it; NDES is safest with DES3\n");
	return 0;
}
