"""Prepare the demo data directory for `make run` (idempotent).

Creates the demo domain and account if missing, and puts a welcome message
in the demo inbox the first time.
"""

from __future__ import annotations

import argparse
import email.utils
import sys
from pathlib import Path

import trio

import mailcore


def welcome(to: str) -> bytes:
    date = email.utils.formatdate(localtime=False)
    return (
        "From: mailcore <postmaster@{domain}>\r\n"
        "To: {to}\r\n"
        "Subject: Welcome to mailcore\r\n"
        "Date: {date}\r\n"
        "Message-ID: <welcome.{to}>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Your mailbox is ready.\r\n\r\n"
        "Send mail to it over SMTP, read it over IMAP or in the browser,\r\n"
        "and search it with Gmail's operators: from:, has:attachment, is:unread...\r\n"
    ).format(domain=to.rpartition("@")[2], to=to, date=date).encode()


async def main(args: argparse.Namespace) -> None:
    config = mailcore.Config.load(data_dir=Path(args.data_dir))
    async with mailcore.open_engine(config) as engine:
        if args.domain not in await engine.list_domains():
            await engine.add_domain(args.domain)
        try:
            await engine.get_account(args.user)
        except mailcore.AccountNotFound:
            await engine.create_account(args.user, args.password, "Demo User")
            await engine.deliver(welcome(args.user), [args.user])
            print(f"created {args.user} in {args.data_dir}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--domain", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    try:
        trio.run(main, parser.parse_args())
    except mailcore.MailcoreError as exc:
        print(f"demo setup: error: {exc}", file=sys.stderr)
        sys.exit(1)
