#pragma once
// Present so that the upward include above names a real file.
