"""The functions' configuration: read once from the environment at the edge, then passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from palette_service.errors import SettingsError

MIB = 1024 * 1024


class ServiceSettings(BaseModel):
    """Where the stills, outputs and items live, and how large a still may be.

    The prefixes end in ``/`` and the input prefix is disjoint from the output prefixes, so an
    output written by the extract function can never trigger it again.
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    stills_bucket: str = Field(alias="STILLS_BUCKET", min_length=3)
    palettes_table: str = Field(alias="PALETTES_TABLE", min_length=3)
    input_prefix: str = Field(default="stills/", alias="INPUT_PREFIX")
    palette_prefix: str = Field(default="palettes/", alias="PALETTE_PREFIX")
    swatch_prefix: str = Field(default="swatches/", alias="SWATCH_PREFIX")
    # A film's outputs (its barcode and timeline), written by AggregateFunction.
    film_prefix: str = Field(default="films/", alias="FILM_PREFIX")
    max_object_bytes: int = Field(default=50 * MIB, alias="MAX_OBJECT_BYTES", gt=0)
    # Only RecordFailuresFunction has one: where the events it records as FAILED are kept for replay.
    replay_queue_url: str | None = Field(default=None, alias="REPLAY_QUEUE_URL", min_length=1)

    @field_validator("input_prefix", "palette_prefix", "swatch_prefix", "film_prefix")
    @classmethod
    def _is_folder(cls, value: str) -> str:
        if not value.endswith("/") or value.startswith("/") or value == "/":
            raise ValueError(
                f"must be a folder such as 'stills/' (no leading '/', a trailing '/'), got {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _outputs_apart_from_inputs(self) -> Self:
        for output in (self.palette_prefix, self.swatch_prefix, self.film_prefix):
            if output.startswith(self.input_prefix) or self.input_prefix.startswith(output):
                raise ValueError(
                    f"output prefix {output!r} overlaps INPUT_PREFIX {self.input_prefix!r}: "
                    "outputs would trigger the extract function again"
                )
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServiceSettings:
        """Build the settings from ``environ`` (default ``os.environ``), naming every bad variable."""
        source = os.environ if environ is None else environ
        try:
            return cls.model_validate(dict(source))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in item['loc']) or 'settings'}: {item['msg']}"
                for item in error.errors()
            )
            raise SettingsError(f"bad service configuration: {problems}") from None
