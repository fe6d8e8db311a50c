"""One module per replicated site; :data:`SITE_CLASSES` maps registry slugs to them."""
from __future__ import annotations

from .congdoankiengiang import CongDoanKienGiang
from .congdoannghean import CongDoanNgheAn
from .congdoanquangninh import CongDoanQuangNinh
from .laodongthudo import LaoDongThuDo
from .tuoitrekiengiang import TuoiTreKienGiang

SITE_CLASSES = {cls.slug: cls for cls in (
    CongDoanKienGiang, TuoiTreKienGiang, CongDoanQuangNinh, LaoDongThuDo, CongDoanNgheAn)}

__all__ = ["SITE_CLASSES"]
