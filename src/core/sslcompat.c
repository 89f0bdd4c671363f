/* SPDX-License-Identifier: GPL-3.0-or-later */
/* See sslcompat.h: one shim per OpenSSL 1.1.1 / 3 difference. */
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/opensslv.h>
#include <openssl/rsa.h>

#include "sslcompat.h"

#if OPENSSL_VERSION_NUMBER >= 0x30000000L

EVP_MD *ns_md_fetch(const char *name)
{
	return EVP_MD_fetch(NULL, name, NULL);
}

void ns_md_free(EVP_MD *md)
{
	EVP_MD_free(md);
}

int ns_pkey_eq(const EVP_PKEY *a, const EVP_PKEY *b)
{
	return EVP_PKEY_eq(a, b);
}

int ns_pkey_base_id(const EVP_PKEY *pkey)
{
	return EVP_PKEY_get_base_id(pkey);
}

EVP_PKEY_CTX *ns_pkey_ctx_new(EVP_PKEY *pkey)
{
	return EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
}

EVP_PKEY *ns_rsa_generate(unsigned int bits)
{
	return EVP_RSA_gen(bits);
}

EVP_PKEY *ns_ec_generate(const char *curve)
{
	return EVP_EC_gen(curve);
}

#else /* OpenSSL 1.1.1 */

/* 1.1.1: the static digest table; its entries are never freed. */
EVP_MD *ns_md_fetch(const char *name)
{
	return (EVP_MD *)EVP_get_digestbyname(name);
}

void ns_md_free(EVP_MD *md)
{
	(void)md;
}

int ns_pkey_eq(const EVP_PKEY *a, const EVP_PKEY *b)
{
	return EVP_PKEY_cmp(a, b);
}

int ns_pkey_base_id(const EVP_PKEY *pkey)
{
	return EVP_PKEY_base_id(pkey);
}

EVP_PKEY_CTX *ns_pkey_ctx_new(EVP_PKEY *pkey)
{
	return EVP_PKEY_CTX_new(pkey, NULL);
}

/* 1.1.1: no EVP_RSA_gen / EVP_EC_gen, so a keygen context by key type. */
static EVP_PKEY *keygen(EVP_PKEY_CTX *ctx, int ok)
{
	EVP_PKEY *pkey = NULL;

	if (!ok || EVP_PKEY_keygen(ctx, &pkey) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

EVP_PKEY *ns_rsa_generate(unsigned int bits)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);

	if (ctx == NULL)
		return NULL;
	return keygen(ctx, EVP_PKEY_keygen_init(ctx) > 0 &&
		      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) > 0);
}

EVP_PKEY *ns_ec_generate(const char *curve)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
	int nid = OBJ_txt2nid(curve);

	if (nid == NID_undef)
		nid = EC_curve_nist2nid(curve);
	if (ctx == NULL)
		return NULL;
	return keygen(ctx, nid != NID_undef && EVP_PKEY_keygen_init(ctx) > 0 &&
		      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, nid) > 0);
}

#endif
