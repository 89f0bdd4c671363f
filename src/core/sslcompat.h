/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one place where OpenSSL 1.1.1 and OpenSSL 3 differ for us (RHEL 8 ships
 * 1.1.1k, Debian 11 1.1.1w). Everything else in src/ uses only calls both
 * versions have; each shim below names the version that needs it. With
 * OpenSSL 3 every shim is the OpenSSL 3 call, so no deprecated API is used. */
#ifndef NS_SSLCOMPAT_H
#define NS_SSLCOMPAT_H

#include <openssl/evp.h>

/* A digest by name ("SHA1", "SHA256"...). OpenSSL 3: EVP_MD_fetch, which
 * honours the providers and crypto policy; 1.1.1 has no fetch, only the
 * static table (EVP_get_digestbyname). Release with ns_md_free. */
EVP_MD *ns_md_fetch(const char *name);
void ns_md_free(EVP_MD *md);

/* 1 when both keys are the same public key. OpenSSL 3: EVP_PKEY_eq;
 * 1.1.1: EVP_PKEY_cmp (deprecated in 3.0). */
int ns_pkey_eq(const EVP_PKEY *a, const EVP_PKEY *b);

/* The key's base type (EVP_PKEY_RSA...). OpenSSL 3: EVP_PKEY_get_base_id;
 * 1.1.1: EVP_PKEY_base_id (a macro for it in 3.0). */
int ns_pkey_base_id(const EVP_PKEY *pkey);

/* An operation context for an existing key. OpenSSL 3:
 * EVP_PKEY_CTX_new_from_pkey (provider-aware); 1.1.1: EVP_PKEY_CTX_new. */
EVP_PKEY_CTX *ns_pkey_ctx_new(EVP_PKEY *pkey);

/* New keys, for the tests and the fuzz seeds. OpenSSL 3: EVP_RSA_gen and
 * EVP_EC_gen; 1.1.1 has neither: a keygen context by type. NULL on failure. */
EVP_PKEY *ns_rsa_generate(unsigned int bits);
EVP_PKEY *ns_ec_generate(const char *curve);

#endif
