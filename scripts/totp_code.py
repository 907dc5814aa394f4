"""Print the current TOTP code of an authenticator secret, for trying the demo without a phone.

Coordinators must use two-factor authentication. On the activation page (認証アプリの設定) copy the
secret shown under the QR code, then:

    python3 scripts/totp_code.py JS377WRQ73GZHTTQUIZQHQDHPX6KIW2W

and type the 6 digits printed (RFC 6238: HMAC-SHA1, 30 s period, 6 digits, the defaults of
django-allauth's mfa app). Keep the secret for the next logins. Standard library only.
"""

import base64
import hmac
import struct
import sys
import time

PERIOD_SECONDS = 30
DIGITS = 6


def totp_code(secret: str, at: float | None = None) -> str:
    """The TOTP code of a base32 ``secret`` at Unix time ``at`` (now by default)."""
    key = base64.b32decode(secret.strip().replace(" ", "").upper() + "=" * (-len(secret.strip()) % 8))
    counter = int(time.time() if at is None else at) // PERIOD_SECONDS
    digest = hmac.new(key, struct.pack(">Q", counter), "sha1").digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**DIGITS:0{DIGITS}d}"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        print(totp_code(argv[1]))
    except ValueError as exc:  # binascii.Error is a ValueError
        print(f"not a base32 secret: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
