"""The SQL unit of work and the unit tests' fake implement the same protocols
(``booking_gateway.services.ports``): mypy checks the ``UnitOfWork``-typed assignments below,
the tests what a type checker cannot see."""

from __future__ import annotations

from booking_gateway.db.engine import Db
from booking_gateway.db.repositories import TenantScope
from booking_gateway.db.unit_of_work import SqlUnitOfWork
from booking_gateway.domain.ids import TenantId
from booking_gateway.services import UnitOfWork
from booking_gateway.services.ports import Repositories
from tests.unit.fakes import FakeUnitOfWork

REPOSITORIES = sorted(name for name in vars(Repositories) if not name.startswith("_"))


def test_the_sql_unit_of_work_hands_out_every_repository_the_protocol_names() -> None:
    # given a SQL unit of work on a database that is never opened (repositories connect lazily)
    uow: UnitOfWork = SqlUnitOfWork(Db("sqlite:///never-opened.db"), TenantScope(TenantId("t")))

    # when its repositories are read
    repos = uow.read()

    # then every repository of the protocol is there
    assert len(REPOSITORIES) == 15
    assert [name for name in REPOSITORIES if getattr(repos, name, None) is None] == []


async def test_the_fake_unit_of_work_counts_a_finished_transaction_as_committed() -> None:
    # given the unit tests' fake, used as a UnitOfWork
    fake = FakeUnitOfWork()
    uow: UnitOfWork = fake

    # when a transaction block ends
    async with uow.begin() as repos:
        settings = await repos.tenants.settings()

    # then it is committed, and the repositories were the fake's
    assert fake.commits == 1
    assert settings is fake.tenants.current
