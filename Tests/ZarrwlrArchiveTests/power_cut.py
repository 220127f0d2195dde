"""A replaying power-cut simulator for the filesystem store, in the spirit of SQLite's crash-test
VFS: it replays the system calls of a real `aimport` run on a store (an strace of it) against a
model of a file system in which nothing is durable until it is fsynced, and writes out what a
power cut after each step would leave on disk.

    strace -f -qq -y -xx -s 100000000 -o TRACE -e trace=openat,write,pwrite64,fsync,fdatasync,\
rename,renameat,renameat2,mkdir,mkdirat,unlink,unlinkat,rmdir,link,linkat aimport ... --store STORE
    python power_cut.py BEFORE TRACE STORE OUT [--most N]

BEFORE is a copy of STORE taken before the run (all of it durable). The model: a file's content
is what it held at its last fsync (writes after that are lost; a file never fsynced is empty); a
folder's entries (files created, renamed, removed in it) are what they were at its last fsync
(a rename is durable in the target folder once that folder is fsynced; until the source folder
is, the old name stays too, as a second link). After every step whose cut leaves a state not
seen before, the state is written as a folder OUT/cut-NNNN, at most N of them (evenly chosen,
the last step's always included). Prints a JSON list: [{"step", "call", "folder"}].
"""
import argparse
import hashlib
import json
import os
import re


class File:
    def __init__(self, content=b""):
        self.content = bytearray(content)
        self.durable = bytes(content)


class Folder:
    def __init__(self, entries=None):
        self.current = dict(entries or {})
        self.durable = dict(entries or {})


def load(path):
    if os.path.isdir(path) and not os.path.islink(path):
        return Folder({name: load(os.path.join(path, name)) for name in os.listdir(path)})
    with open(path, "rb") as f:
        return File(f.read())


LINE = re.compile(r"^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+)(<[^>]*>)?")


def calls(trace):
    """(name, arguments text, result) of each successful call, unfinished calls joined."""
    pending = {}
    with open(trace, encoding="latin-1") as f:
        for raw in f:
            line = raw.rstrip("\n")
            pid = line.split(" ", 1)[0]
            if line.endswith("<unfinished ...>"):
                pending[pid] = line[: -len("<unfinished ...>")].rstrip()
                continue
            resumed = re.match(r"^(\d+)\s+<\.\.\. \w+ resumed>(.*)$", line)
            if resumed:
                line = pending.pop(pid, "") + resumed.group(2)
            match = LINE.match(line)
            if match and int(match.group(4)) >= 0:
                yield match.group(2), match.group(3), match.group(4), match.group(5)


def strings(arguments):
    """The quoted strings among the arguments (paths, or written bytes as \\x escapes)."""
    return [bytes.fromhex(s.replace("\\x", "")) if s.startswith("\\x") else s.encode("latin-1")
            for s in re.findall(r'"((?:[^"\\]|\\.)*)"', arguments)]


def unescaped(text):
    """A path as strace -xx writes it (every byte as \\xNN)."""
    return bytes.fromhex(text.replace("\\x", "")).decode("latin-1") if text.startswith("\\x") else text


def fd_path(arguments, index=0):
    """The path strace -y shows for the index-th descriptor argument ("5</a/b>")."""
    found = re.findall(r"\d+<([^>]*)>", arguments)
    return unescaped(found[index]) if len(found) > index else None


class Model:
    def __init__(self, before, store):
        self.root = load(before)
        self.store = store.rstrip("/")

    def parts(self, path):
        if path is None or not (path == self.store or path.startswith(self.store + "/")):
            return None
        return [p for p in path[len(self.store):].split("/") if p]

    def node(self, parts):
        if parts is None:
            return None
        node = self.root
        for part in parts:
            if not isinstance(node, Folder) or part not in node.current:
                return None
            node = node.current[part]
        return node

    def parent(self, path):
        parts = self.parts(path)
        if not parts:
            return None, None
        folder = self.node(parts[:-1])
        return (folder, parts[-1]) if isinstance(folder, Folder) else (None, None)

    def apply(self, name, arguments, result, result_path):
        paths = [p.decode("latin-1") for p in strings(arguments)]
        if name in ("mkdir", "mkdirat"):
            path = paths[0] if name == "mkdir" else self.joined(arguments, paths[0])
            folder, leaf = self.parent(path)
            if folder is not None:
                folder.current[leaf] = Folder()
                return True
        elif name == "openat":
            path = unescaped(result_path[1:-1]) if result_path else None
            folder, leaf = self.parent(path)
            if folder is not None and "O_CREAT" in arguments:
                existing = folder.current.get(leaf)
                if existing is None:
                    folder.current[leaf] = File()
                    return True
                if "O_TRUNC" in arguments and isinstance(existing, File):
                    existing.content = bytearray()
                    return True
        elif name in ("write", "pwrite64"):
            node = self.node(self.parts(fd_path(arguments)))
            if isinstance(node, File):
                data = strings(arguments)[0]
                if name == "pwrite64":
                    offset = int(arguments.rsplit(",", 1)[1])
                else:
                    offset = len(node.content)
                node.content[offset:offset + len(data)] = data
                return True
        elif name in ("fsync", "fdatasync"):
            node = self.node(self.parts(fd_path(arguments)))
            if isinstance(node, File):
                node.durable = bytes(node.content)
                return True
            if isinstance(node, Folder):
                node.durable = dict(node.current)
                return True
        elif name in ("rename", "renameat", "renameat2"):
            source, target = (paths[0], paths[1]) if name == "rename" else (self.joined(arguments, paths[0]), self.joined(arguments, paths[1], 1))
            (a, a_leaf), (b, b_leaf) = self.parent(source), self.parent(target)
            if a is not None and b is not None and a_leaf in a.current:
                b.current[b_leaf] = a.current.pop(a_leaf)
                return True
        elif name in ("unlink", "rmdir", "unlinkat"):
            path = paths[0] if name != "unlinkat" else self.joined(arguments, paths[0])
            folder, leaf = self.parent(path)
            if folder is not None and leaf in folder.current:
                del folder.current[leaf]
                return True
        elif name in ("link", "linkat"):
            source, target = (paths[0], paths[1]) if name == "link" else (self.joined(arguments, paths[0]), self.joined(arguments, paths[1], 1))
            (a, a_leaf), (b, b_leaf) = self.parent(source), self.parent(target)
            if a is not None and b is not None and a_leaf in a.current:
                b.current[b_leaf] = a.current[a_leaf]
                return True
        return False

    def joined(self, arguments, path, index=0):
        """`path` of an *at call, made absolute with the path of its directory descriptor."""
        if path.startswith("/"):
            return path
        base = fd_path(arguments, index)
        return os.path.join(base, path) if base else path

    def durable_tree(self):
        """(relative path, content) of every file a cut now leaves, and every folder."""
        files, folders, seen = [], [], set()

        def walk(folder, prefix):
            if id(folder) in seen:
                return
            seen.add(id(folder))
            for leaf, node in sorted(folder.durable.items()):
                path = prefix + leaf
                if isinstance(node, Folder):
                    folders.append(path)
                    walk(node, path + "/")
                else:
                    files.append((path, node.durable))
        walk(self.root, "")
        return files, folders


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("trace")
    parser.add_argument("store")
    parser.add_argument("out")
    parser.add_argument("--most", type=int, default=60)
    options = parser.parse_args()
    model = Model(options.before, options.store)
    states, seen = [], set()
    for step, (name, arguments, result, result_path) in enumerate(calls(options.trace)):
        if not model.apply(name, arguments, result, result_path):
            continue
        files, folders = model.durable_tree()
        key = hashlib.sha256(json.dumps([folders, [(p, hashlib.sha256(c).hexdigest()) for p, c in files]]).encode()).hexdigest()
        if key in seen:
            continue
        seen.add(key)
        states.append((step, name + "(" + arguments[:160] + ")", files, folders))
    if len(states) > options.most:
        chosen = [states[round(k * (len(states) - 1) / (options.most - 1))] for k in range(options.most)]
    else:
        chosen = states
    report = []
    for number, (step, call, files, folders) in enumerate(chosen):
        folder = os.path.join(options.out, f"cut-{number:04d}")
        os.makedirs(folder)
        for path in folders:
            os.makedirs(os.path.join(folder, path), exist_ok=True)
        for path, content in files:
            with open(os.path.join(folder, path), "wb") as f:
                f.write(content)
        report.append({"step": step, "call": call, "folder": folder})
    print(json.dumps(report))


if __name__ == "__main__":
    main()
