/* SPDX-License-Identifier: GPL-3.0-or-later */
/* certmonger's helper exit codes (certmonger src/submit-e.h). The one place
 * that names them; every outcome is mapped to one of these. */
#ifndef NS_STATUS_H
#define NS_STATUS_H

enum ns_status {
	NS_ISSUED = 0,
	NS_WAIT = 1,
	NS_REJECTED = 2,
	NS_UNREACHABLE = 3,
	NS_UNCONFIGURED = 4,
	NS_WAIT_WITH_DELAY = 5,
	NS_NOT_SUPPORTED = 6,
	NS_NEED_SCEP_MESSAGES = 16,
	NS_NEED_REKEY = 17,
};

#endif
