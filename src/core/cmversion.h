/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which certmonger runs us, for the few things its versions do differently
 * (README, "certmonger versions"; found by scripts/matrix.sh):
 * - 0.79.13 (Debian 11) decrypts the reply to a renewal only when it answers
 *   the message signed with the NEW key (CERTMONGER_PKCSREQ_REKEY); from
 *   0.79.15 on (0.79.17 and 0.79.20 tested) only the one signed with the old
 *   certificate (CERTMONGER_PKCSREQ);
 * - 0.79.13 has no [scep] challenge_password_otp, so renewal CSRs keep the
 *   one-time password of the first enrollment. */
#ifndef NS_CMVERSION_H
#define NS_CMVERSION_H

#include <stdbool.h>

#include "settings.h"

/* "0.79.13" -> 79013 (major * 1000000 + minor * 1000 + patch); 0 when text
 * is not a version. */
long ns_cm_version_parse(const char *text);

/* The configured certmonger-version, else what "certmonger -v" prints
 * (PATH, then /usr/sbin). 0 when unknown. */
long ns_cm_version(const struct ns_config *cfg);

/* Does this certmonger read the reply to a renewal signed with the old
 * certificate? Unknown versions are taken as current ones. */
bool ns_cm_renews_with_old_cert(long version);

#endif
