"""Generated files: kept under FILES_DIR, served only through the permission-checked download."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app
from werkzeug.utils import secure_filename

from app.jobs.models import Job
from app.jobs.worker import _current_job, _update


def files_dir() -> Path:
    return Path(current_app.config["FILES_DIR"])


def store_result(data: bytes, filename: str, mimetype: str = "application/pdf") -> str:
    """Keep the current job's output file (served only through the permission-checked download)."""
    job_id = _current_job.get()
    if job_id is None:
        raise RuntimeError("store_result() is for code running as a job")
    name = secure_filename(filename) or "document"
    relative = Path("jobs") / job_id / name
    path = files_dir() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    _update(
        current_app._get_current_object(), job_id,
        result_path=relative.as_posix(), result_name=filename[:200], result_mimetype=mimetype,
    )
    return relative.as_posix()


def result_file(job: Job) -> Path | None:
    """The job's file on disk, or None when it has none or it is no longer there."""
    if not job.result_path:
        return None
    base = files_dir().resolve()
    path = (base / job.result_path).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return path


def file_missing(job: Job) -> bool:
    """A finished job whose file was made but is no longer in the files folder (cleared after
    JOB_RESULT_DAYS, or lost with a disk): it can be made again."""
    return job.status == "finished" and bool(job.result_name) and result_file(job) is None
