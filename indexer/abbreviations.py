"""Abbreviations common in Vietnamese trade-union news, applied at query time.

A query for the abbreviation also finds the spelled-out form and vice versa ("LĐLĐ" ⇄
"Liên đoàn Lao động"). Applying them at query time keeps the index literal, so the table can
grow without a re-index. Longer expansions are matched first ("Tổng Liên đoàn Lao động Việt
Nam" is TLĐ, not "Tổng" + LĐLĐ + "Việt Nam").
"""
from __future__ import annotations

# abbreviation → spelled-out forms (the first is the canonical one). Ambiguous ones stay out:
# "CĐ" is "công đoàn" in union news but "cao đẳng" (college) elsewhere.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "LĐLĐ": ("Liên đoàn Lao động",),
    "TLĐ": ("Tổng Liên đoàn Lao động Việt Nam", "Tổng Liên đoàn"),
    "TLĐLĐVN": ("Tổng Liên đoàn Lao động Việt Nam",),
    "CĐCS": ("Công đoàn cơ sở",),
    "CNVCLĐ": ("công nhân, viên chức, lao động", "công nhân viên chức lao động"),
    "CNLĐ": ("công nhân lao động",),
    "ĐVCĐ": ("đoàn viên công đoàn",),
    "BCH": ("Ban Chấp hành",),
    "NLĐ": ("người lao động",),
    "CBCĐ": ("cán bộ công đoàn",),
    "ATVSLĐ": ("an toàn, vệ sinh lao động", "an toàn vệ sinh lao động"),
    "BHXH": ("bảo hiểm xã hội",),
    "BHYT": ("bảo hiểm y tế",),
    "KCN": ("khu công nghiệp",),
    "UBND": ("Ủy ban nhân dân",),
}
