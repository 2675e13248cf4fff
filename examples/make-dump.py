#!/usr/bin/env python3
"""Writes examples/dump/, the small bundled tree that shows what zhclean does.

The non-UTF-8 files (GBK, Big5, UTF-16LE) and the PNG are generated here so
their bytes are reproducible; the output is committed too. Run from the
repository root:  python3 examples/make-dump.py

The texts are written for this example, except seed/news-page.md, a copy of
a real damaged page from the test fixtures (tests/data/repair/seeds/).
"""
import os
import shutil
import struct
import sys
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dump")
SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "repair", "seeds",
                    "002_cdb06d2fe7d8a3c6.txt")

SIMPLIFIED = (
    "今天的天气很好，我们去公园散步。\n"
    "图书馆里有很多关于历史和艺术的书。\n"
    "这个软件可以把繁体字转换成简体字，也可以反过来。\n"
)
TRADITIONAL = (
    "今天的天氣很好，我們去公園散步。\n"
    "圖書館裡有很多關於歷史和藝術的書。\n"
    "這個軟體可以把繁體字轉換成簡體字，也可以反過來。\n"
)


def write(rel, data):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)


def png(width=8, height=8):
    """A tiny valid PNG: a red-to-blue gradient."""
    def chunk(kind, body):
        c = struct.pack(">I", len(body)) + kind + body
        return c + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    rows = b"".join(
        b"\x00" + b"".join(bytes((255 - 32 * x, 0, 32 * x)) for x in range(width))
        for _ in range(height)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    # Encodings.
    write("encodings/utf8.txt", SIMPLIFIED)
    write("encodings/gbk.txt", SIMPLIFIED.encode("gbk"))
    write("encodings/big5.txt", TRADITIONAL.encode("big5"))
    write("encodings/utf16le-bom.txt", b"\xff\xfe" + TRADITIONAL.encode("utf-16-le"))
    # One file per damage class.
    write("damage/name-separator.txt", "美国财长斯科特?贝森特（Scott Bessent）周二表示，谈判仍在进行。\n")
    write("damage/lost-space.txt", "稀土磁铁（rare?earth magnets）的出口受到限制。\n")
    write("damage/entities.txt", "出口显&#33879;下降&mdash;&mdash;尤其是&amp;#31232;土。\n")
    # UTF-8 text that was decoded as GBK and saved again as UTF-8.
    # (Phrases chosen so that every byte pair decodes: no U+FFFD.)
    garbled = [p.encode("utf-8").decode("gbk") for p in ("欢迎使用", "系统设置", "下载文件")]
    write("damage/mojibake.txt", "正常的一行。\n" + "，".join(garbled) + "\n")
    write("damage/fullwidth-digits.txt", "会议定于２０２４年１２月３日举行，编号ＡＢＣ－１２３。\n")
    write("damage/halfwidth-punct.txt", "你好,世界!今天下雨吗?我们出发吧;走了:再见.\n")
    write("damage/invisibles.txt", "零\u200b宽\u200d字符\ufeff和软\u00ad连字符，还有不换行\u00a0空格。\n")
    write("damage/crlf.txt", "第一行   \r\n第二行\t\r\n第三行\r\n")
    # Markup.
    write(
        "html/page.html",
        "<!DOCTYPE html>\n<html><head><title>示例</title><style>p{color:red}</style></head>\n"
        "<body><h1>标题</h1><p>第一段&nbsp;文字，含有&#33879;名的<a href=\"/x?a=1&amp;b=2\">链接</a>。</p>\n"
        "<p>第二段<br>换行</p></body></html>\n",
    )
    if os.path.exists(SEED):
        with open(SEED, "rb") as f:
            write("seed/news-page.md", f.read())
    else:
        sys.exit(f"missing seed page {SEED}")
    # Nesting, a hidden file, a binary file.
    write("deep/nested/folder/note.txt", "深层目录里的文件也会被处理。\n")
    write(".hidden-note.txt", "隐藏文件同样处理。\n")
    write("images/logo.png", png())


if __name__ == "__main__":
    main()
