"""The model registry: named, versioned sets of files with tags, properties and lineage."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator

from kuznia.entities.common import Entity, Key, Page, Resource, RunId, Text, WorkspaceName
from kuznia.entities.snapshots import MAX_MANIFEST_ENTRIES, ManifestEntry


class ModelCreate(Entity):
    """A new version of a model: files from an upload manifest, or from a run's files."""

    name: WorkspaceName
    description: Text = ""
    tags: dict[Key, Text] = Field(default_factory=dict)
    properties: dict[Key, Text] = Field(default_factory=dict)
    model_framework: str | None = Field(default=None, max_length=100)
    model_framework_version: str | None = Field(default=None, max_length=100)
    datasets: list[str] = Field(default_factory=list, max_length=100)
    #: uploaded files, relative to the model's root folder
    entries: list[ManifestEntry] | None = Field(default=None, max_length=MAX_MANIFEST_ENTRIES)
    #: …or the files of this run under ``run_path`` (a file, or a folder ending in /)
    run_id: RunId | None = None
    run_path: str | None = Field(default=None, max_length=1024)

    @model_validator(mode="after")
    def _one_source(self) -> ModelCreate:
        if (self.entries is None) == (self.run_id is None):
            raise ValueError("give either the uploaded entries or a run_id with run_path")
        if self.run_id is not None and not self.run_path:
            raise ValueError("run_path: which file or folder of the run, e.g. outputs/model.pkl")
        return self


class Model(Resource):
    name: str
    version: int
    id: str = Field(description="name:version")
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)
    properties: dict[str, str] = Field(default_factory=dict)
    model_framework: str | None = None
    model_framework_version: str | None = None
    datasets: list[str] = Field(default_factory=list)
    run_id: str | None = None
    experiment_name: str | None = None
    root: str = Field(description="the name of the registered file or folder")
    file_count: int
    total_bytes: int
    created_at: datetime


class ModelUpdate(Entity):
    description: Text | None = None
    set_tags: dict[Key, Text] = Field(default_factory=dict)
    remove_tags: list[Key] = Field(default_factory=list)
    add_properties: dict[Key, Text] = Field(default_factory=dict)


class ModelQuery(Entity):
    name: WorkspaceName | None = None
    tags: dict[Key, Text | None] = Field(default_factory=dict)
    properties: dict[Key, Text | None] = Field(default_factory=dict)
    run_id: RunId | None = None
    latest: bool = False
    max_results: int = Field(default=100, ge=1, le=10_000)
    page_token: str | None = Field(default=None, max_length=1000)


ModelList = Page[Model]


class ModelFiles(Resource):
    name: str
    version: int
    entries: list[ManifestEntry]
