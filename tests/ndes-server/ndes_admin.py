# SPDX-License-Identifier: GPL-3.0-or-later
"""The mscep_admin pages, with the text structure NDES serves. NDES sends
them as UTF-16LE (usually with a BOM) while the meta tag and the
Content-Type header both say UTF-8."""

import hashlib

_HEAD = (
    '<HTML><Head><Meta HTTP-Equiv="Content-Type" Content="text/html; '
    'charset=UTF-8"><Title>Network Device Enrollment Service</Title></Head>'
    '<Body BgColor=#FFFFFF><Font ID=locPageFont Face="Arial"><Table Border=0 '
    'CellSpacing=0 CellPadding=4 Width=100% BgColor=#008080><TR><TD><Font '
    'ID=locPageTitleFont Face="Arial" Size=-1 Color=#FFFFFF><LocID '
    'ID=locMSCertSrv>Network Device Enrollment Service</LocID></Font></TD>'
    '</TR></Table><P ID=locPageTitle> Network Device Enrollment Service '
    'allows you to obtain certificates for routers or other network devices '
    'using the Simple Certificate Enrollment Protocol (SCEP). </P> ')
_TAIL = '</Font></Body></HTML>'


def thumbprint(ca_der):
    """MD5 of the whole DER CA certificate, four space-separated groups."""
    h = hashlib.md5(ca_der).hexdigest().upper()
    return " ".join(h[i:i + 8] for i in range(0, 32, 8))


def password_page(ca_der, password, validity_min, single=False):
    """single: UseSinglePassword mode, where NDES says the password "can be
    used multiple times and will not expire" (../shared/reference/ndes.md)."""
    if single:
        usage = ('<P> This password can be used multiple times and will not '
                 'expire. </P> ')
    else:
        usage = ('<P> This password can be used only once and will expire '
                 'within %d minutes. <P> Each enrollment requires a new '
                 'challenge password. You can refresh this web page to obtain '
                 'a new challenge password. </P> ' % validity_min)
    return (_HEAD +
            '<P> To complete certificate enrollment for your network device '
            'you will need the following information: <P> The thumbprint '
            '(hash value) for the CA certificate is: <B> %s </B> <P> The '
            'enrollment challenge password is: <B> %s </B> %s'
            '<P ID=locPageDesc> For more information see  <A HREF=http://go.'
            'microsoft.com/fwlink/?LinkId=67852>Using Network Device '
            'Enrollment Service </A>. </P>' % (thumbprint(ca_der), password,
                                               usage) + _TAIL)


def cache_full_page(validity_min, max_pw):
    return (_HEAD +
            '<P> The password cache is full. <P> Network Device Enrollment '
            'Service stores unused password for later use. By default, '
            'passwords are stored for %d minutes.<P>Use one of the existing '
            'passwords. If you cannot use an existing password: <UL> <LI> '
            'Wait until one or more existing passwords expire (by default '
            'passwords expire %d minutes after they are created). </LI> <LI> '
            'Restart Internet Information Services (IIS). </LI> <LI> '
            'Configure the service to cache more than %d passwords. </LI> '
            '</UL> </P>' % (validity_min, validity_min, max_pw) + _TAIL)


def no_permission_page():
    return (_HEAD +
            '<P> You do not have sufficient permission to enroll with SCEP.  '
            'Please contact your system administrator. </P>' + _TAIL)


def encode(text, encoding):
    if encoding == "utf16le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if encoding == "utf16le":
        return text.encode("utf-16-le")
    return text.encode("utf-8")
