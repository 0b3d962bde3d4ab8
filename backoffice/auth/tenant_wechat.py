"""Silent sign-in inside WeChat: a tenant who signed in once by SMS inside WeChat may have
their WeChat openid bound to their phone; later visits inside WeChat sign in with no code,
while the site that allowed it still does. An openid signs in as one phone; a phone may have
several (two people, two official accounts)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.models import Site, TenantWechatBinding


def bind(db: Session, *, appid: str, openid: str, phone: str, site_id: int,
         now: datetime) -> TenantWechatBinding:
    """Bind the WeChat user to `phone` (the phone they just proved by SMS). An openid already
    bound elsewhere moves here: the same person proved this phone now."""
    binding = db.scalar(select(TenantWechatBinding).where(TenantWechatBinding.appid == appid,
                                                          TenantWechatBinding.openid == openid))
    if binding is None:
        binding = TenantWechatBinding(appid=appid, openid=openid, phone=phone, site_id=site_id,
                                      created_at=now)
        db.add(binding)
    elif (binding.phone, binding.site_id) != (phone, site_id):
        binding.phone, binding.site_id, binding.created_at = phone, site_id, now
        binding.last_used_at = None
    db.flush()
    return binding


def signing_in(db: Session, appid: str, openid: str) -> TenantWechatBinding | None:
    """The binding this WeChat user signs in with, if the site that allowed it still does."""
    binding = db.scalar(select(TenantWechatBinding).where(TenantWechatBinding.appid == appid,
                                                          TenantWechatBinding.openid == openid))
    if binding is None or not db.get(Site, binding.site_id).tenant_wechat_sign_in:
        return None
    return binding


def of_phone(db: Session, phone: str) -> list[TenantWechatBinding]:
    return list(db.scalars(select(TenantWechatBinding).where(TenantWechatBinding.phone == phone)
                           .order_by(TenantWechatBinding.id)))


def mask_openid(openid: str) -> str:
    """Enough for staff to tell two bindings apart, not enough to stand for the user."""
    return openid[:4] + "…" + openid[-4:]
