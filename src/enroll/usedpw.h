/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One-time passwords NDES has consumed (KB 959193: a password leaves NDES'
 * cache once checked). certmonger keeps a "-L" password, or one in a "-l"
 * file, and puts it into every later CSR unless certmonger.conf sets
 * [scep] challenge_password_otp = yes; a renewal then carries a dead
 * password. Remembering salted digests of the passwords that got a
 * certificate lets the helper say so before NDES refuses. Digests only:
 * the file holds no secret. Implemented in usedpw.c. */
#ifndef NS_USEDPW_H
#define NS_USEDPW_H

#include <stdbool.h>
#include <talloc.h>

struct ns_ctx;

/* Records password as consumed (state-dir/used-passwords). Best effort:
 * failures are logged, never fatal. */
void ns_usedpw_record(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *password);

/* Was password recorded as consumed? false when unknown or unreadable. */
bool ns_usedpw_seen(TALLOC_CTX *mem, const struct ns_ctx *ctx, const char *password);

#endif
