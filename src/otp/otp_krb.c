/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Kerberos for libcurl's Negotiate. libcurl asks GSS-API for the default
 * credentials; MIT krb5 finds them in KRB5CCNAME, and when that cache has
 * none it gets initial credentials from the client keytab KRB5_CLIENT_KTNAME
 * itself (MIT krb5 >= 1.11), like an AD-joined host with its host keytab.
 * Setting the environment of this short-lived process is the whole job:
 * no GSS-API library calls, no extra dependency. */
#include <stdlib.h>
#include <string.h>

#include "otp.h"

#define OTP_KRB_MEMORY_CCACHE "MEMORY:ndes-submit"

int ns_otp_krb_setup(const struct ns_config *cfg, struct ns_err *err)
{
	if (cfg->ccache != NULL && setenv("KRB5CCNAME", cfg->ccache, 1) != 0)
		return ns_err_set(err, NS_CAUSE_CONFIG, "cannot set KRB5CCNAME");
	if (cfg->keytab != NULL) {
		/* MIT wants a keytab name: "FILE:/path" or a plain path both work. */
		if (setenv("KRB5_CLIENT_KTNAME", cfg->keytab, 1) != 0)
			return ns_err_set(err, NS_CAUSE_CONFIG, "cannot set KRB5_CLIENT_KTNAME");
		/* Without a configured ccache, keep the keytab's tickets in this
		 * process instead of root's default cache that others may use. */
		if (cfg->ccache == NULL &&
		    setenv("KRB5CCNAME", OTP_KRB_MEMORY_CCACHE, 1) != 0)
			return ns_err_set(err, NS_CAUSE_CONFIG, "cannot set KRB5CCNAME");
	}
	return 0;
}
