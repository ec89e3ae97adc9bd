@echo off
rem The allocator command line, run by the Python packed next to this file.
"%~dp0python\python.exe" -m allocator.cli %*
exit /b %ERRORLEVEL%
