// Tests, like the local runtime and the tools, read holiday data from date-holidays.
import "../functions/core/holidays";
