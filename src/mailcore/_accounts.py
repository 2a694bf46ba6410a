"""Domains, accounts, passwords (argon2id, throttled logins), aliases and the
recipient lookup that delivery asks on every message: the engine's accounts part."""

from __future__ import annotations

import ipaddress

import trio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mailcore._blobs import BlobKeeper
from mailcore._records import normalize_address
from mailcore.errors import (
    AccountNotFound,
    AuthenticationFailed,
    InvalidArgument,
    InvalidName,
    TooManyAttempts,
)
from mailcore.model import SYSTEM_LABELS, Account
from mailcore.store.base import Cache, SearchIndex
from mailcore.store.meta import MetaStore


class Accounts:
    """Who may log in, and which account receives an address."""

    def __init__(
        self, meta: MetaStore, cache: Cache, search: SearchIndex, keeper: BlobKeeper, hasher: PasswordHasher
    ) -> None:
        self._meta = meta
        self._cache = cache
        self._search = search
        self._keeper = keeper
        self._hasher = hasher
        #: address -> (account, expiry): delivery reads no table for a known recipient
        self._recipients: dict[str, tuple[Account, float]] = {}
        self._domains: tuple[frozenset[str], float] | None = None
        self._dummy: str | None = None

    # --------------------------------------------------------- accounts

    #: how long a resolved recipient is trusted; account and alias changes on
    #: this node forget it at once, other nodes' changes after this long
    RECIPIENT_CACHE_SECONDS = 30.0

    async def add_domain(self, name: str) -> None:
        self._domains = None
        name = name.strip().lower().rstrip(".")
        if not name or "@" in name or " " in name or "." not in name and name != "localhost":
            raise InvalidName(f"{name!r} is not a domain name")
        await self._meta.add_domain(name)

    async def list_domains(self) -> list[str]:
        return await self._meta.list_domains()

    async def remove_domain(self, name: str) -> None:
        self._domains = None
        await self._meta.remove_domain(name.strip().lower())

    async def _hash(self, password: str) -> str:
        if not password:
            raise InvalidArgument("the password is empty")
        return await trio.to_thread.run_sync(self._hasher.hash, password)

    async def create_account(self, address: str, password: str, display_name: str | None = None) -> Account:
        address = normalize_address(address)
        hashed = await self._hash(password)
        return await self._meta.create_account(address, hashed, display_name, SYSTEM_LABELS)

    async def list_accounts(self) -> list[Account]:
        return await self._meta.list_accounts()

    async def get_account(self, address: str) -> Account:
        account = await self._meta.get_account(normalize_address(address))
        if account is None:
            raise AccountNotFound(f"no such account: {address}")
        return account

    async def get_account_by_id(self, account_id: int) -> Account:
        account = await self._meta.get_account_by_id(account_id)
        if account is None:
            raise AccountNotFound("no such account")
        return account

    #: failed logins (per client address or per account) allowed before delays start
    LOGIN_FREE_FAILURES = 3
    #: failed logins from one client address, and attempts on one account from
    #: it, in the window after which that address is refused outright
    LOGIN_BLOCK_FAILURES = 30
    #: attempts on one account from every address in the window after which
    #: it is refused outright: far above one address's limit, so that one
    #: attacker cannot lock the owner out (NIST SP 800-63B allows 100)
    LOGIN_ACCOUNT_BLOCK_FAILURES = 100
    LOGIN_WINDOW = 900.0

    async def authenticate(self, address: str, password: str, *, remote: str | None = None) -> Account:
        """Check a password. Failure says nothing about which part was wrong.

        Attempts are counted per account (every spelling of one address is one
        account), per account and client address, and failures per client
        address (an IPv6 client by its /64): past a few, each failure is
        answered later (up to 30 s). An address past
        :data:`LOGIN_BLOCK_FAILURES` is refused with :class:`TooManyAttempts`
        until the window passes, whatever the password; the account itself
        only past :data:`LOGIN_ACCOUNT_BLOCK_FAILURES`, so that its owner, at
        another address, still logs in while one attacker is refused.
        Attempts are counted before the password is checked, so guesses sent
        in parallel cannot slip past the limits; a successful login clears
        the account's counts.
        """
        cache = self._cache
        try:
            user = normalize_address(address)
        except InvalidName:
            user = "(not an address)"
        key_user = f"authfail:user:{user}"
        bucket = _client_bucket(remote) if remote else None
        key_ip = f"authfail:ip:{bucket}" if bucket else None
        key_pair = f"authfail:pair:{bucket}:{user}" if bucket else None
        if key_ip and int(await cache.get(key_ip) or 0) >= self.LOGIN_BLOCK_FAILURES:
            raise TooManyAttempts(self.LOGIN_WINDOW)
        attempts = await cache.incr(key_user, self.LOGIN_WINDOW)
        from_here = await cache.incr(key_pair, self.LOGIN_WINDOW) if key_pair else attempts
        if attempts > self.LOGIN_ACCOUNT_BLOCK_FAILURES or from_here > self.LOGIN_BLOCK_FAILURES:
            raise TooManyAttempts(self.LOGIN_WINDOW)
        try:
            account = await self._check_password(address, password)
        except AuthenticationFailed:
            counts = [attempts]
            if key_ip:
                counts.append(await cache.incr(key_ip, self.LOGIN_WINDOW))
            over = max(counts) - self.LOGIN_FREE_FAILURES
            if over > 0:
                await trio.sleep(min(2.0 ** (over - 1), 30.0))
            raise
        await cache.delete(key_user)
        if key_pair:
            await cache.delete(key_pair)
        return account

    async def _check_password(self, address: str, password: str) -> Account:
        try:
            account = await self._meta.get_account(normalize_address(address))
        except InvalidName:
            account = None
        hashed = await self._meta.password_hash(account.id) if account else None
        if account is None or hashed is None:
            # spend the same time as a real check so that timing reveals nothing
            await trio.to_thread.run_sync(self._verify, self._dummy_hash(), password)
            raise AuthenticationFailed("authentication failed")
        if not await trio.to_thread.run_sync(self._verify, hashed, password):
            raise AuthenticationFailed("authentication failed")
        if self._hasher.check_needs_rehash(hashed):
            await self._meta.set_password_hash(account.id, await self._hash(password))
        return account

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self._hasher.hash("not a password")
        return self._dummy

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return self._hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    async def change_password(self, address: str, new_password: str) -> None:
        account = await self.get_account(address)
        await self._meta.set_password_hash(account.id, await self._hash(new_password))

    async def update_account(
        self, account_id: int, *, display_name: str | None = None, settings: dict[str, object] | None = None
    ) -> Account:
        account = await self.get_account_by_id(account_id)
        merged = dict(account.settings)
        if settings:
            merged.update(settings)
        updated = await self._meta.update_account(
            account_id, display_name if display_name is not None else account.display_name, merged
        )
        return updated

    async def delete_account(self, address: str) -> None:
        self._recipients.clear()
        account = await self.get_account(address)
        freed = await self._meta.delete_account(account.id)
        await self._search.delete_account(account.id)
        if freed:
            self._keeper.release(freed)

    async def add_alias(self, alias: str, address: str) -> None:
        self._recipients.clear()
        account = await self.get_account(address)
        await self._meta.add_alias(normalize_address(alias), account.id)

    async def remove_alias(self, alias: str) -> None:
        self._recipients.clear()
        await self._meta.remove_alias(normalize_address(alias))

    async def list_aliases(self, address: str | None = None) -> list[tuple[str, str]]:
        accounts = {a.id: a.address for a in await self._meta.list_accounts()}
        account_id = (await self.get_account(address)).id if address else None
        return [(alias, accounts[aid]) for alias, aid in await self._meta.list_aliases(account_id)]

    async def resolve_recipient(self, address: str) -> Account | None:
        """The local account that receives ``address`` (directly or by alias)."""
        try:
            normalized = normalize_address(address)
        except InvalidName:
            return None
        cached = self._recipients.get(normalized)
        if cached is not None and cached[1] > trio.current_time():
            return cached[0]
        account_id = await self._meta.resolve_address(normalized)
        if account_id is None:
            # plus addressing: user+tag@domain reaches user@domain
            local, _, domain = normalized.rpartition("@")
            if "+" in local:
                account_id = await self._meta.resolve_address(f"{local.split('+', 1)[0]}@{domain}")
        if account_id is None:
            return None
        account = await self._meta.get_account_by_id(account_id)
        if account is not None:
            if len(self._recipients) > 100_000:
                self._recipients.clear()
            self._recipients[normalized] = (account, trio.current_time() + self.RECIPIENT_CACHE_SECONDS)
        return account

    async def is_local_domain(self, domain: str) -> bool:
        """Whether mail for ``domain`` is ours (asked on every RCPT: cached briefly)."""
        now = trio.current_time()
        if self._domains is None or self._domains[1] <= now:
            self._domains = (frozenset(await self._meta.list_domains()), now + self.RECIPIENT_CACHE_SECONDS)
        return domain.lower().rstrip(".") in self._domains[0]


def _client_bucket(remote: str) -> str:
    """Whom to count failures against: an IPv4 address, or an IPv6 /64."""
    try:
        ip = ipaddress.ip_address(remote.strip("[]"))
    except ValueError:
        return remote
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
