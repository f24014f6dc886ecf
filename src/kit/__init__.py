"""The district scale kit: worksheets, packets and guides for district convenings on scaling improvement."""

from importlib.metadata import version

__version__ = version("district-scale-kit")
