"""Real sessions over loopback: smtplib (plain, STARTTLS, implicit TLS),
swaks, pipelining, 8-bit and SMTPUTF8, BDAT, DSN and the outbound queue."""

from __future__ import annotations

import base64
import email
import smtplib
import ssl
from pathlib import Path

import trio

import mailcore
from tests.apps.smtpd.client import Client, Ports, client_tls_context, inbox, login, raw_messages
from tests.mail import message


def _smtplib_mx(port: int, raw: bytes) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.sendmail("alice@ext.org", ["bob@example.com"], raw)


async def test_mx_delivers_a_message_sent_with_smtplib(smtpd: Ports, engine: mailcore.Engine) -> None:
    with trio.fail_after(15):
        refused = await trio.to_thread.run_sync(_smtplib_mx, smtpd.smtp, message("smtplib plain"))
        assert refused == {}
        [meta] = await inbox(engine, "bob@example.com", "subject:smtplib")
        [raw] = await raw_messages(engine, "bob@example.com")
        assert raw.startswith(b"Return-Path: <alice@ext.org>\r\nReceived: from ")
        assert raw.endswith(message("smtplib plain"))
        assert meta.subject == "smtplib plain"


def _submit_starttls(port: int, ctx: ssl.SSLContext, raw: bytes, rcpts: list[str]) -> str:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("laptop.test")
        client.starttls(context=ctx)
        client.ehlo("laptop.test")
        client.login("bob@example.com", "bob-password")
        client.sendmail("bob@example.com", rcpts, raw)
        code, text = client.noop()
        return str(code)


def _submit_implicit_tls(port: int, ctx: ssl.SSLContext, raw: bytes) -> None:
    with smtplib.SMTP_SSL("127.0.0.1", port, timeout=10, context=ctx) as client:
        client.login("bob@example.com", "bob-password")
        client.sendmail("bob@example.com", ["carol@example.com"], raw)


async def test_submission_with_starttls_delivers_locally_keeps_sent_and_records_tls(
    smtpd: Ports, engine: mailcore.Engine, carol: mailcore.Account, config: mailcore.Config
) -> None:
    with trio.fail_after(15):
        raw = message("starttls submission", sender="Bob <bob@example.com>", to="carol@example.com")
        ctx = client_tls_context(config.data_dir)
        await trio.to_thread.run_sync(_submit_starttls, smtpd.submission, ctx, raw, ["carol@example.com"])
        [delivered] = await raw_messages(engine, "carol@example.com")
        received = email.message_from_bytes(delivered)["Received"]
        assert "with ESMTPSA id" in received
        assert "TLS1.3 cipher TLS_" in received or "TLS1.2 cipher" in received
        assert "bob@example.com" not in received.split(";")[0].split("for <")[0]
        [sent] = await raw_messages(engine, "bob@example.com", "Sent")
        assert sent == delivered


async def test_submissions_implicit_tls(
    smtpd: Ports, engine: mailcore.Engine, carol: mailcore.Account, config: mailcore.Config
) -> None:
    with trio.fail_after(15):
        raw = message("implicit tls", sender="bob@example.com", to="carol@example.com")
        ctx = client_tls_context(config.data_dir)
        await trio.to_thread.run_sync(_submit_implicit_tls, smtpd.submissions, ctx, raw)
        [meta] = await inbox(engine, "carol@example.com", "subject:implicit")
        assert meta.subject == "implicit tls"


async def test_submission_queues_remote_recipients_with_dsn(smtpd: Ports, engine: mailcore.Engine) -> None:
    with trio.fail_after(15):
        c = await Client.connect(smtpd.submissions)
        c.stream = trio.SSLStream(c.stream, ssl._create_unverified_context(), server_hostname="localhost")
        await c.greet()
        assert (await login(c)).code == 235
        assert (await c.command("MAIL FROM:<bob@example.com> RET=HDRS ENVID=env+2B1")).code == 250
        rcpt = "RCPT TO:<dave@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;dave@remote.test"
        assert (await c.command(rcpt)).code == 250
        assert (await c.command("DATA")).code == 354
        raw = message("to the world", sender="bob@example.com", to="dave@remote.test")
        done = await c.command(raw + b".")
        assert done.code == 250 and done.enhanced == "2.0.0"
        await c.aclose()
        bob = await engine.get_account("bob@example.com")
        [queued] = await engine.outbound(bob.id)
        assert queued.recipients == ("dave@remote.test",)
        assert queued.mail_from == "bob@example.com"
        assert queued.dsn["ret"] == "HDRS"
        assert queued.dsn["envid"] == "env+1"
        assert queued.dsn["recipients"] == {
            "dave@remote.test": {"notify": ["FAILURE", "SUCCESS"], "orcpt": "rfc822;dave@remote.test"}
        }
        [sent] = await raw_messages(engine, "bob@example.com", "Sent")
        assert sent.endswith(raw)


async def _swaks(swaks: str, *args: str) -> str:
    result = await trio.run_process([swaks, "--timeout", "10", *args], capture_stdout=True, capture_stderr=True, check=False)
    output = result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")
    assert result.returncode == 0, output
    return output


async def test_swaks_to_mx(smtpd: Ports, engine: mailcore.Engine, swaks: str) -> None:
    with trio.fail_after(20):
        await _swaks(
            swaks, "--server", "127.0.0.1", "--port", str(smtpd.smtp),
            "--from", "alice@ext.org", "--to", "bob@example.com",
            "--header", "Subject: swaks to the mx", "--body", "sent by swaks",
        )  # fmt: skip
        [meta] = await inbox(engine, "bob@example.com", "subject:swaks")
        assert meta.subject == "swaks to the mx"


async def test_swaks_submission_starttls_auth_and_pipelining(
    smtpd: Ports, engine: mailcore.Engine, carol: mailcore.Account, swaks: str
) -> None:
    with trio.fail_after(20):
        output = await _swaks(
            swaks, "--server", "127.0.0.1", "--port", str(smtpd.submission), "--tls",
            "--auth", "PLAIN", "--auth-user", "bob@example.com", "--auth-password", "bob-password",
            "--pipeline", "--from", "bob@example.com", "--to", "carol@example.com",
            "--header", "From: bob@example.com", "--header", "Subject: swaks submission",
        )  # fmt: skip
        assert "250 2.0.0 OK: queued as" in output
        [meta] = await inbox(engine, "carol@example.com", "subject:swaks")
        assert meta.subject == "swaks submission"


async def test_pipelining_replies_in_order_in_one_batch(smtpd: Ports, engine: mailcore.Engine) -> None:
    with trio.fail_after(10):
        c = await Client.connect(smtpd.smtp)
        ehlo = await c.greet()
        assert "PIPELINING" in ehlo.lines
        raw = message("pipelined")
        await c.send(
            b"MAIL FROM:<alice@ext.org>\r\nRCPT TO:<nobody@example.com>\r\n"
            b"RCPT TO:<bob@example.com>\r\nDATA\r\n" + raw + b".\r\nNOOP\r\nQUIT\r\n"
        )
        codes = [(await c.reply()).code for _ in range(7)]
        assert codes == [250, 550, 250, 354, 250, 250, 221]
        assert await c.at_eof()
        [meta] = await inbox(engine, "bob@example.com", "subject:pipelined")
        assert meta.subject == "pipelined"


async def test_eight_bit_mime_and_smtputf8_addresses(smtpd: Ports, engine: mailcore.Engine) -> None:
    with trio.fail_after(10):
        await engine.create_account("jösé@example.com", "pw-jose")
        c = await Client.connect(smtpd.smtp)
        ehlo = await c.greet()
        assert {"8BITMIME", "SMTPUTF8"} <= set(ehlo.lines)
        assert (await c.command("MAIL FROM:<ünïcode@ext.org> BODY=8BITMIME SMTPUTF8".encode())).code == 250
        assert (await c.command("RCPT TO:<jösé@example.com>".encode())).code == 250
        assert (await c.command("DATA")).code == 354
        body = "From: ünïcode@ext.org\r\nTo: jösé@example.com\r\nSubject: Grüße\r\n\r\nçà et là\r\n"
        assert (await c.command(body.encode() + b".")).code == 250
        # without SMTPUTF8, an 8-bit address is refused
        assert (await c.command("MAIL FROM:<ünïcode@ext.org>".encode())).code == 553
        [raw] = await raw_messages(engine, "jösé@example.com")
        assert raw.endswith(body.encode())
        assert b"with UTF8SMTP id" in raw


async def test_bdat_chunking(smtpd: Ports, engine: mailcore.Engine) -> None:
    with trio.fail_after(10):
        c = await Client.connect(smtpd.smtp)
        assert "CHUNKING" in (await c.greet()).lines
        raw = message("chunked", body="line one\r\n.\r\nline three (a dot line is data in BDAT)")
        first, second = raw[:40], raw[40:]
        assert (await c.command("MAIL FROM:<alice@ext.org> BODY=BINARYMIME")).code == 250
        assert (await c.command("RCPT TO:<bob@example.com>")).code == 250
        await c.send(f"BDAT {len(first)}\r\n".encode() + first)
        assert (await c.reply()).code == 250
        await c.send(f"BDAT {len(second)} LAST\r\n".encode() + second)
        last = await c.reply()
        assert last.code == 250 and "queued as" in last.text
        [stored] = await raw_messages(engine, "bob@example.com")
        assert stored.endswith(raw)


async def test_vrfy_and_expn_disclose_nothing(smtpd: Ports) -> None:
    with trio.fail_after(10):
        c = await Client.connect(smtpd.smtp)
        await c.greet()
        for command in ("VRFY bob", "VRFY nobody", "EXPN staff"):
            reply = await c.command(command)
            assert reply.code == 252 and "bob" not in reply.text


async def test_every_reply_carries_an_enhanced_status_code(smtpd: Ports, config: mailcore.Config) -> None:
    with trio.fail_after(10):
        c = await Client.connect(smtpd.submission)
        await c.greet()
        replies = []
        for command in ("NOOP", "HELP", "VRFY x", "BOGUS", "MAIL FROM:<bob@example.com>", "RSET"):
            replies.append(await c.command(command))
        await c.starttls()
        await c.command("EHLO again.test")
        replies.append(await login(c, password="wrong"))
        replies.append(await login(c))
        replies.append(await c.command("MAIL FROM:<eve@example.com>"))
        replies.append(await c.command("MAIL FROM:<bob@example.com>"))
        replies.append(await c.command("RCPT TO:<ghost@example.com>"))
        replies.append(await c.command("RCPT TO:<bob@example.com>"))
        replies.append(await c.command("DATA"))
        replies.append(await c.command(message(sender="eve@example.com") + b"."))
        replies.append(await c.command("QUIT"))
        for reply in replies:
            if reply.code == 354:
                continue
            assert reply.enhanced is not None, reply
            assert reply.enhanced[0] == str(reply.code)[0], reply


async def test_auth_login_mechanism(smtpd: Ports) -> None:
    with trio.fail_after(10):
        c = await Client.connect(smtpd.submission)
        await c.greet()
        await c.starttls()
        ehlo = await c.command("EHLO client.test")
        assert "AUTH PLAIN LOGIN" in ehlo.lines
        assert (await c.command("AUTH LOGIN")).code == 334
        assert (await c.command(base64.b64encode(b"bob@example.com"))).code == 334
        assert (await c.command(base64.b64encode(b"bob-password"))).code == 235


async def test_mx_does_not_offer_auth(smtpd: Ports) -> None:
    with trio.fail_after(10):
        c = await Client.connect(smtpd.smtp)
        ehlo = await c.greet()
        assert "STARTTLS" in ehlo.lines
        assert not any(line.startswith("AUTH") for line in ehlo.lines)
        await c.starttls()
        ehlo = await c.command("EHLO client.test")
        assert not any(line.startswith("AUTH") for line in ehlo.lines)
        assert (await login(c)).code == 502


async def test_generated_certificate_is_trusted_for_localhost(smtpd: Ports, config: mailcore.Config) -> None:
    with trio.fail_after(10):
        cert = Path(config.data_dir) / "tls" / "selfsigned-cert.pem"
        assert cert.exists()
        c = await Client.connect(smtpd.smtp)
        await c.greet()
        await c.starttls(client_tls_context(config.data_dir))
        assert (await c.command("EHLO client.test")).code == 250
