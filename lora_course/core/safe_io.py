"""How every file of the course is written: whole, or not at all.

This module owns writing files safely, for every other module: the new content goes to a
temporary file in the same folder (a hidden name, ``.<name>.<random>.tmp``), is flushed to the
disk (``fsync``), and only then renamed over the target with ``os.replace``, which is atomic; the
folder is fsynced too where the system allows it (POSIX), so the rename itself survives a power
cut. A process killed at any moment leaves either the old file or the new one, never half a file,
and a write that fails (an exception in the writer, a full disk) removes its temporary file and
leaves the old file as it was. stdlib and numpy only (safetensors is imported when used).

* :func:`atomic_write` is the one primitive: ``write(tmp_path)`` makes the temporary file any way
  it likes (``save_file(tensors, str(tmp))``, ``open(tmp, "wb")``...);
* :func:`write_text`, :func:`write_bytes`, :func:`save_npy`, :func:`save_npz` and
  :func:`save_safetensors` are the usual cases on top of it;
* :func:`write_new_bytes` writes a file that must not exist yet (a backup): it never replaces
  anything, and is just as whole.

The temporary name ends in ``.tmp``, not in the target's extension, so a leftover (only a
``kill -9`` or a power cut between the write and the rename can leave one) never looks like a
real file to a glob such as ``*.npy``, and is hidden from the course's dataset reader. A library
that picks a format or appends an extension from the file name (``np.save``, ``PIL.Image.save``)
must be given a file object or an explicit format: the helpers here do that.

``mode`` sets the file's permission bits as a plain ``open()`` would make them: ``mode`` masked
by the process's umask. :data:`SHARED` (``0o666``: read-write for you, readable by others under
the usual umask 022) is for files meant to be shared, such as LoRA files, whose writer might have
made a private temporary file; ``None`` keeps what the writer made.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Callable, Mapping, Optional, Union

import numpy as np

PathLike = Union[str, Path]

#: ``mode`` for a file meant to be shared: ``0o666`` masked by the umask (what ``open()`` gives).
SHARED = 0o666


def temp_path(path: PathLike) -> Path:
    """A fresh temporary path beside ``path``: same folder, hidden, ending in ``.tmp``."""
    path = Path(path)
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as f:      # writable: Windows' fsync needs write access
        os.fsync(f.fileno())


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable; a no-op where folders cannot be opened (Windows)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:                   # some file systems refuse fsync on a folder
        pass
    finally:
        os.close(fd)


def _finish(tmp: Path, mode: Optional[int]) -> None:
    """The temporary file as it must be before it takes the target's place: durable, its mode set."""
    if not tmp.is_file():
        raise FileNotFoundError(f"{tmp}: the writer did not create the temporary file it was given. "
                                "Fix: write to the path passed to write(), not to the target")
    if mode is not None:
        os.chmod(tmp, mode & ~_umask())
    _fsync_file(tmp)


def atomic_write(path: PathLike, write: Callable[[Path], None], mode: Optional[int] = None) -> Path:
    """Write ``path`` whole or not at all: ``write(tmp)`` creates a temporary file beside it, which
    is fsynced and then renamed over ``path``. Returns ``path``.

    On any exception (in ``write`` or after) the temporary file is removed and the old ``path``, if
    any, is left untouched; the exception propagates. ``mode``: see the module docstring. The
    folder must exist.
    """
    path = Path(path)
    tmp = temp_path(path)
    try:
        write(tmp)
        _finish(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def write_bytes(path: PathLike, data: bytes, mode: Optional[int] = None) -> Path:
    """Write ``data`` to ``path`` atomically."""
    def write(tmp: Path) -> None:
        with open(tmp, "xb") as f:
            f.write(data)
    return atomic_write(path, write, mode)


def write_text(path: PathLike, text: str, encoding: str = "utf-8", mode: Optional[int] = None) -> Path:
    """Write ``text`` to ``path`` atomically, encoded with ``encoding`` (UTF-8, no BOM). Line
    endings are written as they are in ``text`` (no translation: the same bytes on every system)."""
    return write_bytes(path, text.encode(encoding), mode)


def png_bytes(image) -> bytes:
    """A PIL image (or an H×W×3 uint8 array) encoded as PNG: the course's one PNG encoder."""
    import io

    from PIL import Image
    buf = io.BytesIO()
    (image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image))).save(buf, format="PNG")
    return buf.getvalue()


def write_png(path: PathLike, image, mode: Optional[int] = None) -> Path:
    """Write a PIL image (or an H×W×3 uint8 array) as a PNG file, atomically."""
    return write_bytes(path, png_bytes(image), mode)


def save_npy(path: PathLike, array: np.ndarray, mode: Optional[int] = None) -> Path:
    """``np.save`` ``array`` to ``path`` atomically, never pickled (``allow_pickle=False``: an
    object array is an error). ``path`` is used as given (no ``.npy`` appended)."""
    def write(tmp: Path) -> None:
        with open(tmp, "xb") as f:
            np.save(f, np.asanyarray(array), allow_pickle=False)
    return atomic_write(path, write, mode)


def save_npz(path: PathLike, mode: Optional[int] = None, **arrays: np.ndarray) -> Path:
    """``np.savez`` ``arrays`` to ``path`` atomically (uncompressed; read back with
    ``np.load(path, allow_pickle=False)``). ``path`` is used as given (no ``.npz`` appended)."""
    def write(tmp: Path) -> None:
        with open(tmp, "xb") as f:
            np.savez(f, **arrays)
    return atomic_write(path, write, mode)


def save_safetensors(path: PathLike, tensors, metadata: Optional[Mapping[str, str]] = None,
                     mode: Optional[int] = None) -> Path:
    """``safetensors.torch.save_file`` ``tensors`` (a dict of contiguous torch tensors) with the
    header ``metadata`` (strings) to ``path`` atomically."""
    from safetensors.torch import save_file
    meta = None if metadata is None else {str(k): str(v) for k, v in metadata.items()}
    return atomic_write(path, lambda tmp: save_file(tensors, str(tmp), metadata=meta), mode)


def write_new_bytes(path: PathLike, data: bytes, mode: Optional[int] = None) -> Path:
    """Write ``data`` to ``path``, which must not exist (``FileExistsError`` if it does, even if
    another process creates it meanwhile); as whole as :func:`atomic_write`.

    The temporary file is hard-linked to ``path`` (atomic, and refused if ``path`` exists); on a
    file system without hard links, ``path`` is created exclusively and written in place instead
    (there, and only there, a process killed mid-write can leave it short).
    """
    path = Path(path)
    tmp = temp_path(path)
    try:
        with open(tmp, "xb") as f:
            f.write(data)
        _finish(tmp, mode)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:               # no hard links here (FAT, some network drives)
            with open(path, "xb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            if mode is not None:
                os.chmod(path, mode & ~_umask())
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    return path
