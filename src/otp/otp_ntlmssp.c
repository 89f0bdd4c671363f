/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NTLM through GSS-API (auth = ntlm-gssapi). libcurl's own NTLM never sends
 * the TLS channel binding that IIS Extended Protection "Required" asks for;
 * its Negotiate runs SPNEGO over GSS-API, and libcurl >= 8.10 hands that the
 * binding. With the gss-ntlmssp mechanism installed, SPNEGO can carry NTLM,
 * and gss-ntlmssp puts the binding into MsvAvChannelBindings.
 *
 * gss-ntlmssp reads the user's credentials from the file NTLM_USER_FILE
 * names, lines DOMAIN:USER:PASSWORD (the first one is used for default
 * credentials, which is what libcurl asks for). That file is an anonymous
 * memory file of this process (memfd, /proc/self/fd/N): the password never
 * reaches a disk or another process. Kerberos is pointed at empty memory
 * caches so that SPNEGO picks NTLM, not whatever tickets root has. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "otp.h"

/* Bound on a GSS-API mechanism configuration file. */
#define NS_GSS_MECH_MAX (64 * 1024)

struct ntlmssp_file {
	int fd;
};

static int ntlmssp_file_free(struct ntlmssp_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	unsetenv("NTLM_USER_FILE");
	return 0;
}

int ns_otp_ntlmssp_line(TALLOC_CTX *mem, const char *user, const char *password, char **out,
			struct ns_err *err)
{
	const char *bs = strchr(user, '\\');
	char *line;

	*out = NULL;
	/* gss-ntlmssp splits at ':' and keeps only what lies before the next one. */
	if (strchr(password, ':') != NULL)
		return ns_err_set(err, NS_CAUSE_CONFIG,
				  "auth = ntlm-gssapi cannot use a password that contains ':' "
				  "(gss-ntlmssp's credential format); use auth = ntlm or Kerberos");
	if (strchr(user, ':') != NULL || user[0] == '\0' || (bs != NULL && bs[1] == '\0'))
		return ns_err_set(err, NS_CAUSE_CONFIG,
				  "auth = ntlm-gssapi needs user as DOMAIN\\name or name@domain");
	/* DOMAIN\name -> DOMAIN:name; name@domain goes whole, with no domain,
	 * as libcurl's own NTLM sends it. */
	if (bs != NULL)
		line = talloc_asprintf(mem, "%.*s:%s:%s\n", (int)(bs - user), user, bs + 1,
				       password);
	else
		line = talloc_asprintf(mem, ":%s:%s\n", user, password);
	if (line == NULL)
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	/* It holds the password: wiped when freed. */
	*out = ns_secret(line);
	return 0;
}

int ns_otp_ntlmssp_setup(TALLOC_CTX *owner, const char *user, const char *password,
			 struct ns_err *err)
{
	struct ntlmssp_file *f;
	enum ns_file_step step;
	char *line = NULL, path[64];

	if (ns_otp_ntlmssp_line(owner, user, password, &line, err) != 0)
		return -1;
	f = talloc_zero(owner, struct ntlmssp_file);
	if (f == NULL) {
		talloc_free(line);
		return ns_err_set(err, NS_CAUSE_NOMEM, "out of memory");
	}
	f->fd = -1;
	talloc_set_destructor(f, ntlmssp_file_free);
	if (ns_file_memfd("ndes-submit-ntlm", line, &f->fd, &step) != 0) {
		int e = errno;

		talloc_free(line);
		talloc_free(f);
		if (step == NS_FILE_CREATE)
			return ns_err_set(err, NS_CAUSE_CONFIG,
					  "auth = ntlm-gssapi: cannot create the in-memory credential file "
					  "(memfd_create: %s)", strerror(e));
		return ns_err_set(err, NS_CAUSE_CONFIG,
				  "auth = ntlm-gssapi: cannot write the in-memory credential file");
	}
	talloc_free(line);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", f->fd);
	if (setenv("NTLM_USER_FILE", path, 1) != 0 ||
	    setenv("KRB5CCNAME", "MEMORY:ndes-submit-no-kerberos", 1) != 0 ||
	    setenv("KRB5_CLIENT_KTNAME", "MEMORY:ndes-submit-no-kerberos", 1) != 0) {
		talloc_free(f);
		return ns_err_set(err, NS_CAUSE_CONFIG, "cannot set the GSS-API environment");
	}
	return 0;
}

/* A line "NAME 1.3.6.1.4.1.311.2.2.10 /path/module.so" whose module exists. */
static char *ntlmssp_in(TALLOC_CTX *mem, const char *file)
{
	static const char oid[] = "1.3.6.1.4.1.311.2.2.10";
	char name[128], o[64], so[384], *text, *line, *save = NULL, *found = NULL;

	/* A mechanism list is a few lines: anything past the bound is ignored. */
	if (file == NULL ||
	    ns_file_read(mem, file, NS_GSS_MECH_MAX, NS_FILE_PREFIX, &text, NULL, NULL) != 0)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line != NULL && found == NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || sscanf(line, "%127s %63s %383s", name, o, so) != 3)
			continue;
		if (strcmp(o, oid) == 0 && access(so, R_OK) == 0)
			found = talloc_strdup(mem, so);
	}
	talloc_free(text);
	return found;
}

int ns_otp_ntlmssp_require(TALLOC_CTX *mem, char **module, struct ns_err *err)
{
	*module = ns_otp_ntlmssp_module(mem, NS_GSS_CONFIG_DIR);
	/* MIT honours GSS_MECH_CONFIG instead of /etc/gss: trust it then. */
	if (*module != NULL || getenv("GSS_MECH_CONFIG") != NULL)
		return 0;
	return ns_err_set(err, NS_CAUSE_CONFIG, "auth = ntlm-gssapi " NS_OTP_NTLMSSP_MISSING);
}

char *ns_otp_ntlmssp_module(TALLOC_CTX *mem, const char *gss_dir)
{
	/* MIT's mechglue reads DIR/mech and DIR/mech.d/ *.conf. */
	char *d = talloc_asprintf(mem, "%s/mech.d", gss_dir), *found;
	DIR *dir = d != NULL ? opendir(d) : NULL;
	struct dirent *e;

	found = ntlmssp_in(mem, talloc_asprintf(mem, "%s/mech", gss_dir));
	while (found == NULL && dir != NULL && (e = readdir(dir)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n > 5 && strcmp(e->d_name + n - 5, ".conf") == 0)
			found = ntlmssp_in(mem, talloc_asprintf(mem, "%s/%s", d, e->d_name));
	}
	if (dir != NULL)
		closedir(dir);
	return found;
}
